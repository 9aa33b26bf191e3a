namespace Mailbox;

/// <summary>What the loop does after a fire-and-forget callback or timer threw.</summary>
public enum FaultDirective
{
    /// <summary>Report the exception and go on with the next piece of work.</summary>
    Resume = 0,

    /// <summary>Report the exception and stop the loop with <see cref="StopMode.Drain"/>.</summary>
    Stop = 1,
}

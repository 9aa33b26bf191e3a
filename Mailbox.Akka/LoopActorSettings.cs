namespace Mailbox.Akka;

/// <summary>How an Akka actor made by <see cref="LoopActorProps"/> runs and stops its loop.</summary>
public sealed record LoopActorSettings
{
    /// <summary>The settings every hosting actor gets when none are given.</summary>
    public static LoopActorSettings Default { get; } = new();

    /// <summary>
    /// Settings of the hosted <see cref="LoopActor"/>; <see langword="null"/> for the defaults. The loop mailbox must be
    /// unbounded: it carries the actor's mailbox runs, and the Akka mailbox is the queue in front of the loop.
    /// </summary>
    public LoopOptions? LoopOptions { get; init; }

    /// <summary>
    /// How long a stop may drain the loop. It is the loop's own stop timeout (on the loop's clock: when it passes, what
    /// is still queued is discarded and live handlers are cancelled, then abandoned) and, on the wall clock, how long the
    /// actor's stop waits for the loop thread to exit.
    /// </summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

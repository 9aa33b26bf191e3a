namespace Mailbox;

/// <summary>The loop is stopping or stopped: the send was refused, or accepted work was discarded by the stop.</summary>
public class LoopStoppedException : InvalidOperationException
{
    /// <summary>Creates the exception with a default message.</summary>
    public LoopStoppedException() : base("The loop is stopping or stopped.") { }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What was refused or discarded.</param>
    public LoopStoppedException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What was refused or discarded.</param>
    /// <param name="innerException">The cause.</param>
    public LoopStoppedException(string message, Exception innerException) : base(message, innerException) { }
}

namespace Mailbox;

/// <summary>A call that only the loop's own thread may make came from another thread.</summary>
public class WrongThreadException : InvalidOperationException
{
    /// <summary>Creates the exception with a default message.</summary>
    public WrongThreadException() : base("This call may only be made on a loop thread.") { }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">Which call, from which thread.</param>
    public WrongThreadException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">Which call, from which thread.</param>
    /// <param name="innerException">The cause.</param>
    public WrongThreadException(string message, Exception innerException) : base(message, innerException) { }
}

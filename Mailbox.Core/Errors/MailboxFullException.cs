namespace Mailbox;

/// <summary>A bounded mailbox had no room for a send that could not wait.</summary>
public class MailboxFullException : InvalidOperationException
{
    /// <summary>Creates the exception with a default message.</summary>
    public MailboxFullException() : base("The loop's mailbox is full.") { }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">Which loop was full.</param>
    public MailboxFullException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">Which loop was full.</param>
    /// <param name="innerException">The cause.</param>
    public MailboxFullException(string message, Exception innerException) : base(message, innerException) { }
}

namespace Mailbox;

/// <summary>A bounded mailbox refused or held back at least one send since the last such event.</summary>
/// <param name="LoopName">The loop's name.</param>
/// <param name="Timestamp">When the loop learnt of it, on the loop's clock.</param>
/// <param name="Capacity">The mailbox's capacity.</param>
public sealed record MailboxFull(string LoopName, DateTimeOffset Timestamp, int Capacity) : LoopEvent(LoopName, Timestamp);

namespace Mailbox;

/// <summary>The loop thread started and is ready to run work.</summary>
/// <param name="LoopName">The loop's name.</param>
/// <param name="Timestamp">When, on the loop's clock.</param>
/// <param name="ManagedThreadId">The managed id of the loop thread.</param>
public sealed record LoopStarted(string LoopName, DateTimeOffset Timestamp, int ManagedThreadId) : LoopEvent(LoopName, Timestamp);

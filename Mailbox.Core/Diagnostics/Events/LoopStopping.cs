namespace Mailbox;

/// <summary>The loop thread received its stop request and began to drain or discard.</summary>
/// <param name="LoopName">The loop's name.</param>
/// <param name="Timestamp">When, on the loop's clock.</param>
/// <param name="Mode">The stop's mode.</param>
public sealed record LoopStopping(string LoopName, DateTimeOffset Timestamp, StopMode Mode) : LoopEvent(LoopName, Timestamp);

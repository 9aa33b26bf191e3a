namespace Mailbox;

/// <summary>The loop finished its last piece of work; <see cref="IObserver{T}.OnCompleted"/> follows.</summary>
/// <param name="LoopName">The loop's name.</param>
/// <param name="Timestamp">When, on the loop's clock.</param>
/// <param name="Report">What the loop did with the work it accepted.</param>
public sealed record LoopStopped(string LoopName, DateTimeOffset Timestamp, StopReport Report) : LoopEvent(LoopName, Timestamp);

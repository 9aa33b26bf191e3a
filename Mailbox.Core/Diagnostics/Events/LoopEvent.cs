namespace Mailbox;

/// <summary>Something that happened to a loop, delivered to <see cref="LoopOptions.Observer"/> on the loop thread.</summary>
/// <param name="LoopName">The name the loop was spawned with.</param>
/// <param name="Timestamp">When it happened, on the loop's clock.</param>
public abstract record LoopEvent(string LoopName, DateTimeOffset Timestamp);

namespace Mailbox;

/// <summary>A callback, coroutine step or timer ran longer than <see cref="LoopOptions.SlowCallbackThreshold"/>.</summary>
/// <param name="LoopName">The loop's name.</param>
/// <param name="Timestamp">When it ended, on the loop's clock.</param>
/// <param name="CallbackName">The delegate's method, as <c>Type.Method</c>.</param>
/// <param name="Duration">How long it ran, measured with the high-resolution stopwatch.</param>
public sealed record SlowCallback(string LoopName, DateTimeOffset Timestamp, string CallbackName, TimeSpan Duration) : LoopEvent(LoopName, Timestamp)
{
    /// <summary>The managed id of the thread it held: the loop's own, or the group thread it shares with its siblings.</summary>
    public int ThreadId { get; init; }

    /// <summary>How many loops that thread serves, this one included: every one of them waited while it ran (1 for a dedicated loop).</summary>
    public int LoopsOnThread { get; init; }
}

namespace Mailbox;

/// <summary>A callback, coroutine step or timer ran longer than <see cref="LoopOptions.SlowCallbackThreshold"/>.</summary>
/// <param name="LoopName">The loop's name.</param>
/// <param name="Timestamp">When it ended, on the loop's clock.</param>
/// <param name="CallbackName">The delegate's method, as <c>Type.Method</c>.</param>
/// <param name="Duration">How long it ran, measured with the high-resolution stopwatch.</param>
public sealed record SlowCallback(string LoopName, DateTimeOffset Timestamp, string CallbackName, TimeSpan Duration) : LoopEvent(LoopName, Timestamp);

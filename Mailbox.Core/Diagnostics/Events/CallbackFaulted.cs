namespace Mailbox;

/// <summary>A fire-and-forget callback, timer or the fault handler itself threw.</summary>
/// <param name="LoopName">The loop's name.</param>
/// <param name="Timestamp">When, on the loop's clock.</param>
/// <param name="CallbackName">The delegate's method, as <c>Type.Method</c>.</param>
/// <param name="Exception">What it threw.</param>
/// <param name="Directive">What the loop did next.</param>
public sealed record CallbackFaulted(string LoopName, DateTimeOffset Timestamp, string CallbackName, Exception Exception, FaultDirective Directive) : LoopEvent(LoopName, Timestamp);

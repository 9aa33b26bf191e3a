namespace Mailbox;

/// <summary>
/// A coroutine ended with an exception and nobody observed its <c>RunAsync</c> task before the task was collected
/// (reported from .NET's <see cref="TaskScheduler.UnobservedTaskException"/>, so only after a garbage collection).
/// </summary>
/// <param name="LoopName">The loop's name.</param>
/// <param name="Timestamp">When the loop learnt of it, on the loop's clock.</param>
/// <param name="CoroutineName">The coroutine delegate's method, as <c>Type.Method</c>.</param>
/// <param name="Exception">What the coroutine threw.</param>
public sealed record UnobservedCoroutineFault(string LoopName, DateTimeOffset Timestamp, string CoroutineName, Exception Exception) : LoopEvent(LoopName, Timestamp);

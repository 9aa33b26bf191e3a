using Microsoft.Extensions.Logging;

namespace Mailbox;

/// <summary>
/// The loop's log records (source-generated). Event ids are part of the contract: 1 started, 2 stopping, 3 stopped,
/// 10 callback faulted, 11 fault policy failed, 12 observer failed, 13 reader failed, 14 unobserved coroutine fault, 20 slow callback, 30 mailbox full.
/// Every record carries the loop's name.
/// </summary>
internal static partial class LoopLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Loop {LoopName} started on thread {ThreadId}")]
    public static partial void Started(ILogger logger, string loopName, int threadId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Loop {LoopName} stopping ({Mode})")]
    public static partial void Stopping(ILogger logger, string loopName, StopMode mode);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Loop {LoopName} stopped: executed {Executed}, discarded {Discarded}, cancelled coroutines {CancelledCoroutines}, cancelled timers {CancelledTimers}, timed out {TimedOut}")]
    public static partial void Stopped(ILogger logger, string loopName, long executed, long discarded, int cancelledCoroutines, int cancelledTimers, bool timedOut);

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "Loop {LoopName}: callback {CallbackName} threw; directive {Directive}")]
    public static partial void CallbackFaulted(ILogger logger, Exception exception, string loopName, string callbackName, FaultDirective directive);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "Loop {LoopName}: the OnUnhandledException policy threw")]
    public static partial void FaultPolicyFailed(ILogger logger, Exception exception, string loopName);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Loop {LoopName}: the observer threw")]
    public static partial void ObserverFailed(ILogger logger, Exception exception, string loopName);

    [LoggerMessage(EventId = 13, Level = LogLevel.Critical, Message = "Loop {LoopName}: the reader loop failed; stopping")]
    public static partial void ReaderFailed(ILogger logger, Exception exception, string loopName);

    [LoggerMessage(EventId = 14, Level = LogLevel.Error, Message = "Loop {LoopName}: coroutine {CoroutineName} faulted and nobody observed its task")]
    public static partial void UnobservedCoroutineFault(ILogger logger, Exception exception, string loopName, string coroutineName);

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Loop {LoopName}: {CallbackName} ran {DurationMs} ms, over the slow-callback threshold, holding up {LoopsOnThread} loop(s) on thread {ThreadId}")]
    public static partial void SlowCallback(ILogger logger, string loopName, string callbackName, double durationMs, int loopsOnThread, int threadId);

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Loop {LoopName}: mailbox full ({Capacity} messages)")]
    public static partial void MailboxFull(ILogger logger, string loopName, int capacity);
}

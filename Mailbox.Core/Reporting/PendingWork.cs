namespace Mailbox;

/// <summary>A snapshot of a loop's pending work, taken by the loop thread itself between two pieces of work.</summary>
/// <param name="QueuedMessages">Accepted messages (posts and <c>RunAsync</c> requests) not yet run.</param>
/// <param name="ReadySteps">Coroutine continuations queued to run.</param>
/// <param name="LiveCoroutines">Coroutines started by <c>RunAsync</c> that have not ended.</param>
/// <param name="PendingTimers">Timers not yet fired nor cancelled, <see cref="LoopActor.Delay"/>s included.</param>
/// <param name="NextTimerDue">When the earliest pending timer is due, on the loop's clock.</param>
public sealed record PendingWork(int QueuedMessages, int ReadySteps, int LiveCoroutines, int PendingTimers, DateTimeOffset? NextTimerDue);

namespace Mailbox;

/// <summary>What a stopped loop did with the work it accepted. Accepted messages = <see cref="Executed"/> + <see cref="Discarded"/>, exactly.</summary>
/// <param name="Mode">The mode of the stop.</param>
/// <param name="Executed">Accepted messages (posts and <c>RunAsync</c> requests) the loop ran, over its whole life.</param>
/// <param name="Discarded">Accepted messages the loop never ran.</param>
/// <param name="CancelledCoroutines">Live coroutines the stop cancelled or abandoned.</param>
/// <param name="CancelledTimers">Timers (<see cref="LoopActor.Delay"/>s included) the stop cancelled.</param>
/// <param name="TimedOut">Whether the stop's timeout passed before the loop had finished.</param>
public sealed record StopReport(StopMode Mode, long Executed, long Discarded, int CancelledCoroutines, int CancelledTimers, bool TimedOut);

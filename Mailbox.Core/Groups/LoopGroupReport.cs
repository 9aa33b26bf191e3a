namespace Mailbox;

/// <summary>
/// What a <see cref="LoopGroup"/>'s loops did over the group's life: sums of the <see cref="StopReport"/>s of every loop
/// the group ever held. <see cref="Executed"/> + <see cref="Discarded"/> is every message any of them accepted.
/// </summary>
/// <param name="Loops">Loops the group spawned.</param>
/// <param name="Executed">Accepted messages the loops ran.</param>
/// <param name="Discarded">Accepted messages the loops never ran.</param>
/// <param name="CancelledCoroutines">Live coroutines their stops cancelled or abandoned.</param>
/// <param name="CancelledTimers">Timers their stops cancelled.</param>
/// <param name="TimedOut">Whether any loop's stop ran past its timeout.</param>
public sealed record LoopGroupReport(int Loops, long Executed, long Discarded, int CancelledCoroutines, int CancelledTimers, bool TimedOut);

namespace Mailbox.Bench.ManyLoops;

/// <summary>
/// One entity's count of its storm messages: a plain increment per message, and when the entity has run its
/// <see cref="EntityPopulation.StormMessagesPerEntity"/> messages of the round, one interlocked decrement of the round's
/// shared <see cref="CompletionCountdown"/>, which wakes the benchmark thread after the last entity.
/// </summary>
/// <remarks>
/// An entity runs its messages one at a time (a loop's single reader, an actor's mailbox), so its own count needs no
/// interlocked operation; entities on different threads finish concurrently, so the shared countdown is signalled with
/// <see cref="CompletionCountdown.SignalFromAnyThread"/>. Every subject pays the same: one tally object per entity,
/// allocated when the entity is spawned, a plain increment per message and one interlocked decrement per entity and round.
/// The probe subtracts the tally's size from each subject's memory figure. (Padding it onto cache lines of its own, against
/// a tally sharing a line with a neighbour served by another thread, was tried: the storm did not get faster for any
/// subject — Mailbox 2.89–2.99 M msgs/s in three runs — and the working set grew by 18 MB.)
/// The count starts again at zero after each round, so it needs no reset from the benchmark thread.
/// </remarks>
public sealed class StormTally
{
    /// <summary>The round's countdown of entities that have not yet run all their messages; shared by the population.</summary>
    private readonly CompletionCountdown _round;

    /// <summary>Messages run in the current round; touched only by the entity, one message at a time.</summary>
    private int _count;

    /// <summary>Creates the tally of one entity that reports to <paramref name="round"/>.</summary>
    public StormTally(CompletionCountdown round) => _round = round;

    /// <summary>Counts one storm message; called by the entity only.</summary>
    public void Signal()
    {
        if (++_count == EntityPopulation.StormMessagesPerEntity)
        {
            _count = 0;
            _round.SignalFromAnyThread();
        }
    }

    /// <summary>Bytes one tally takes on the heap, measured once (the probe subtracts it from every subject's memory per entity).</summary>
    public static long SizeInBytes { get; } = Measure();

    private static long Measure()
    {
        using var round = new CompletionCountdown();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var tally = new StormTally(round);
        long size = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(tally);
        return size;
    }
}

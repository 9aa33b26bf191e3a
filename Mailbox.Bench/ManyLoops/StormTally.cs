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
/// made with the population and alone on its cache lines, a plain increment per message and one interlocked decrement
/// per entity and round.
/// The count starts again at zero after each round, so it needs no reset from the benchmark thread.
/// </remarks>
public sealed class StormTally
{
    /// <summary>The round's countdown of entities that have not yet run all their messages; shared by the population.</summary>
    private readonly CompletionCountdown _round;

    /// <summary>Messages run in the current round, alone on its cache lines; touched only by the entity, one message at a time.</summary>
    private Padded _count;

    /// <summary>Creates the tally of one entity that reports to <paramref name="round"/>.</summary>
    public StormTally(CompletionCountdown round) => _round = round;

    /// <summary>Counts one storm message; called by the entity only.</summary>
    public void Signal()
    {
        if (++_count.Value == EntityPopulation.StormMessagesPerEntity)
        {
            _count.Value = 0;
            _round.SignalFromAnyThread();
        }
    }

    /// <summary>A count with a cache line of padding on each side.</summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 192)]
    private struct Padded
    {
        /// <summary>The count.</summary>
        [System.Runtime.InteropServices.FieldOffset(64)]
        public int Value;
    }
}

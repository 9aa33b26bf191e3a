namespace Mailbox;

/// <summary>Heap order of a timer: due time first, then scheduling order, so equal due times fire FIFO.</summary>
/// <param name="DueTicks">UTC ticks on the loop's clock.</param>
/// <param name="Sequence">The loop's running count of scheduled timers.</param>
internal readonly record struct TimerKey(long DueTicks, long Sequence) : IComparable<TimerKey>
{
    public int CompareTo(TimerKey other)
    {
        int byDue = DueTicks.CompareTo(other.DueTicks);
        return byDue != 0 ? byDue : Sequence.CompareTo(other.Sequence);
    }
}

namespace Mailbox;

/// <summary>
/// The timers set in due order (<see cref="TimerQueue"/>'s run): a FIFO ring, sorted by construction. A
/// <see cref="Queue{T}"/> but for one thing it cannot do: look a few entries past the front, so that taking one starts
/// loading the timer object of one that comes soon (<see cref="CachePrefetch"/>) — pooled cells are reused in whatever
/// order they came back, so timers set in due order still sit all over memory. Owned by the loop thread.
/// </summary>
internal sealed class TimerRun
{
    /// <summary>How far past the front a take prefetches.</summary>
    private const int PrefetchDistance = 8;

    private (TimerEntry Entry, TimerKey Key)[] _items = new (TimerEntry, TimerKey)[16];

    private int _head;

    public int Count { get; private set; }

    public void Enqueue(TimerEntry entry, TimerKey key)
    {
        if (Count == _items.Length)
        {
            Grow();
        }

        _items[(_head + Count) & (_items.Length - 1)] = (entry, key);
        Count++;
    }

    public bool TryPeek(out (TimerEntry Entry, TimerKey Key) item)
    {
        if (Count == 0)
        {
            item = default;
            return false;
        }

        item = _items[_head];
        return true;
    }

    /// <summary>Takes the front entry; the run must not be empty.</summary>
    public (TimerEntry Entry, TimerKey Key) Dequeue()
    {
        var item = _items[_head];
        _items[_head] = default;
        _head = (_head + 1) & (_items.Length - 1);
        Count--;
        if (Count > PrefetchDistance)
        {
            CachePrefetch.Object(_items[(_head + PrefetchDistance) & (_items.Length - 1)].Entry.Timer);
        }

        return item;
    }

    /// <summary>Doubles the ring (a power of two, so that an index wraps with a mask), its entries moved to the front in order.</summary>
    private void Grow()
    {
        var larger = new (TimerEntry, TimerKey)[_items.Length * 2];
        int first = Math.Min(Count, _items.Length - _head);
        Array.Copy(_items, _head, larger, 0, first);
        Array.Copy(_items, 0, larger, first, Count - first);
        _items = larger;
        _head = 0;
    }
}

namespace Mailbox;

/// <summary>
/// The lane that overtakes the data lane: stop, query, timer set/cancel from other threads, timer wake-ups.
/// Control traffic is rare, so a lock and an array are enough; the loop checks <see cref="HasPending"/> (one volatile
/// read) between any two pieces of work. The lane is never bounded; it closes only when the loop thread is done, after
/// which <see cref="TrySend"/> fails and what is left is handed back by <see cref="Close"/>.
/// </summary>
/// <remarks>
/// Small because most loops of a group get one control message in their life, the stop: the lock is the lane's own
/// monitor (no lock object) and the buffers are plain arrays made on first use (no queue objects), 112 B for a lane that
/// only ever carries a stop, against about 310 B as a lock and three queues.
/// </remarks>
internal sealed class ControlLane
{
    /// <summary>Messages not yet taken by the loop, in <c>[0, _count)</c>; null until the first send after a take. Guarded by the lane's monitor, as are <see cref="_count"/> and <see cref="_closed"/>.</summary>
    private ControlMessage[]? _items;

    /// <summary>How many of <see cref="_items"/> are messages.</summary>
    private int _count;

    /// <summary>Whether the loop thread is done.</summary>
    private bool _closed;

    /// <summary>The batch the loop took last, in <c>[0, _takenCount)</c>, handled up to <see cref="_takenNext"/>: cleared and handed back to senders at the next take. Loop thread only, as are the two counts.</summary>
    private ControlMessage[]? _taken;

    /// <summary>How many messages <see cref="_taken"/> held.</summary>
    private int _takenCount;

    /// <summary>The next message of <see cref="_taken"/> to hand out; what lies from here on was never handled.</summary>
    private int _takenNext;

    /// <summary>Non-zero while messages wait; written by senders (Interlocked) and the loop.</summary>
    private int _pending;

    public bool HasPending => Volatile.Read(ref _pending) != 0;

    /// <summary>Queues a message; false once the loop is done. The Interlocked write is the sender's fence for the park handshake.</summary>
    public bool TrySend(ControlMessage message)
    {
        lock (this)
        {
            if (_closed)
            {
                return false;
            }

            var items = _items ??= new ControlMessage[2];
            if (_count == items.Length)
            {
                Array.Resize(ref _items, items.Length * 2);
            }

            _items[_count++] = message;
        }

        Interlocked.Exchange(ref _pending, 1);
        return true;
    }

    /// <summary>
    /// Starts a batch of every message waiting, oldest first, handed out by <see cref="TryNext"/>; what is sent meanwhile
    /// waits for the next batch. Loop thread only.
    /// </summary>
    public void TakeAll()
    {
        Volatile.Write(ref _pending, 0);
        var spare = _taken;
        if (spare is not null)
        {
            Array.Clear(spare, 0, _takenCount); // the payloads the loop has handled must not stay reachable from the lane
        }

        ControlMessage[]? taken;
        int count;
        lock (this)
        {
            (taken, count) = (_items, _count);
            (_items, _count) = (spare, 0);
        }

        (_taken, _takenCount, _takenNext) = (taken, count, 0);
    }

    /// <summary>
    /// The batch's next message. It counts as handled from here on, so a handling that throws leaves the rest of the
    /// batch to <see cref="Close"/>, not lost. Loop thread only.
    /// </summary>
    public bool TryNext(out ControlMessage message)
    {
        if (_takenNext < _takenCount)
        {
            message = _taken![_takenNext++];
            return true;
        }

        message = default;
        return false;
    }

    /// <summary>
    /// Closes the lane for good and hands back every message the loop never handled, oldest first: the rest of a batch
    /// whose handling stopped short (a failing turn ends the loop), then what was sent since. Loop thread only.
    /// </summary>
    public ArraySegment<ControlMessage> Close()
    {
        ArraySegment<ControlMessage> sent;
        lock (this)
        {
            _closed = true;
            sent = _items is null ? ArraySegment<ControlMessage>.Empty : new ArraySegment<ControlMessage>(_items, 0, _count);
            (_items, _count) = (null, 0);
        }

        int unhandled = _takenCount - _takenNext;
        if (unhandled == 0)
        {
            return sent;
        }

        var left = new ControlMessage[unhandled + sent.Count]; // only after a failing turn
        Array.Copy(_taken!, _takenNext, left, 0, unhandled);
        sent.CopyTo(left, unhandled);
        _takenNext = _takenCount;
        return left;
    }
}

namespace Mailbox;

/// <summary>
/// The lane that overtakes the data lane: stop, query, timer set/cancel from other threads, timer wake-ups.
/// Control traffic is rare, so a lock and a queue are enough; the loop checks <see cref="HasPending"/> (one volatile read)
/// between any two pieces of work. The lane is never bounded; it closes only when the loop thread is done, after which
/// <see cref="TrySend"/> fails and what is left is handed back by <see cref="Close"/>.
/// </summary>
internal sealed class ControlLane
{
    /// <summary>Guards <see cref="_queue"/> and <see cref="_closed"/>.</summary>
    private readonly Lock _sync = new();

    /// <summary>Messages not yet taken by the loop.</summary>
    private Queue<ControlMessage> _queue = new();

    /// <summary>The loop's spare queue, swapped in at each <see cref="TakeAll"/>. Loop thread only.</summary>
    private Queue<ControlMessage> _spare = new();

    /// <summary>Whether the loop thread is done.</summary>
    private bool _closed;

    /// <summary>Non-zero while messages wait; written by senders (Interlocked) and the loop.</summary>
    private int _pending;

    public bool HasPending => Volatile.Read(ref _pending) != 0;

    /// <summary>Queues a message; false once the loop is done. The Interlocked write is the sender's fence for the park handshake.</summary>
    public bool TrySend(ControlMessage message)
    {
        lock (_sync)
        {
            if (_closed)
            {
                return false;
            }

            _queue.Enqueue(message);
        }

        Interlocked.Exchange(ref _pending, 1);
        return true;
    }

    /// <summary>Takes every queued message, oldest first. Loop thread only; the returned queue is valid until the next call.</summary>
    public Queue<ControlMessage> TakeAll()
    {
        Volatile.Write(ref _pending, 0);
        _spare.Clear();
        lock (_sync)
        {
            (_queue, _spare) = (_spare, _queue);
        }

        return _spare;
    }

    /// <summary>Closes the lane and returns what was still queued.</summary>
    public Queue<ControlMessage> Close()
    {
        lock (_sync)
        {
            _closed = true;
            var left = _queue;
            _queue = new Queue<ControlMessage>();
            return left;
        }
    }
}

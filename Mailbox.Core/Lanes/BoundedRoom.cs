namespace Mailbox;

/// <summary>
/// The free places of a bounded mailbox, and the senders waiting for one, oldest first.
/// </summary>
/// <remarks>
/// A sender takes a place before it enters the gate; the loop gives the place back when it dequeues a message (the
/// running message does not count against the capacity). When senders wait, the loop does not give the place back: it
/// admits the oldest waiter's envelope itself, under the lock, so waiters get in strictly in the order they came — a
/// semaphore would wake them in order but let their continuations race to the channel. Everything is under one lock;
/// bounded mode pays one uncontended lock per send and per dequeue for that.
/// </remarks>
internal sealed class BoundedRoom
{
    /// <summary>Guards every field.</summary>
    private readonly Lock _sync = new();

    /// <summary>Senders waiting for a place, oldest first.</summary>
    private readonly LinkedList<Waiter> _waiters = new();

    /// <summary>Sends a waiter's envelope into the lane (gate, then channel); false if the loop is stopping.</summary>
    private readonly Func<Envelope, bool> _admit;

    /// <summary>Places not taken.</summary>
    private int _free;

    public BoundedRoom(int capacity, Func<Envelope, bool> admit)
    {
        Capacity = capacity;
        _free = capacity;
        _admit = admit;
    }

    public int Capacity { get; }

    /// <summary>Takes a place if one is free and nobody waits before us.</summary>
    public bool TryTake()
    {
        lock (_sync)
        {
            if (_free > 0 && _waiters.Count == 0)
            {
                _free--;
                return true;
            }

            return false;
        }
    }

    /// <summary>Gives back a place taken by a send that the gate then refused.</summary>
    public void GiveBack()
    {
        lock (_sync)
        {
            _free++;
        }
    }

    /// <summary>Sends <paramref name="envelope"/> once a place is free; the task completes when it is accepted.</summary>
    public Task SendWhenFreeAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        var waiter = new Waiter(envelope, this);
        lock (_sync)
        {
            if (_free > 0 && _waiters.Count == 0)
            {
                _free--;
                if (_admit(envelope))
                {
                    return Task.CompletedTask;
                }

                _free++;
                return Task.FromException(Refusal());
            }

            waiter.Node = _waiters.AddLast(waiter);
        }

        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.UnsafeRegister(static (s, token) => ((Waiter)s!).Room.Cancel((Waiter)s!, token), waiter);
        }

        return waiter.Completion.Task;
    }

    /// <summary>The loop dequeued a message: admit the oldest waiter into the freed place, or free it. Loop thread only.</summary>
    public void OnDequeued()
    {
        Waiter? admitted = null;
        bool accepted = false;
        lock (_sync)
        {
            if (_waiters.First is { } first)
            {
                _waiters.RemoveFirst();
                admitted = first.Value;
                admitted.Node = null;
                accepted = _admit(admitted.Envelope);
                if (!accepted)
                {
                    _free++;
                }
            }
            else
            {
                _free++;
            }
        }

        if (admitted is not null)
        {
            admitted.Registration.Dispose();
            if (accepted)
            {
                admitted.Completion.TrySetResult();
            }
            else
            {
                admitted.Completion.TrySetException(Refusal());
            }
        }
    }

    /// <summary>Ends every wait with <paramref name="reason"/> (the loop is stopping); returns how many waited.</summary>
    public int FailAll(Exception reason)
    {
        List<Waiter> failed;
        lock (_sync)
        {
            failed = [.. _waiters];
            _waiters.Clear();
            foreach (var waiter in failed)
            {
                waiter.Node = null;
            }
        }

        foreach (var waiter in failed)
        {
            waiter.Registration.Dispose();
            waiter.Completion.TrySetException(reason);
        }

        return failed.Count;
    }

    /// <summary>What a waiter the gate refused ends with.</summary>
    private static LoopStoppedException Refusal() => new("The loop is stopping: the send was refused.");

    private void Cancel(Waiter waiter, CancellationToken token)
    {
        lock (_sync)
        {
            if (waiter.Node is null)
            {
                return; // already admitted or failed
            }

            _waiters.Remove(waiter.Node);
            waiter.Node = null;
        }

        waiter.Completion.TrySetCanceled(token);
    }

    /// <summary>One sender waiting for a place.</summary>
    private sealed class Waiter(Envelope envelope, BoundedRoom room)
    {
        public Envelope Envelope { get; } = envelope;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }

        public CancellationTokenRegistration Registration { get; set; }

        public BoundedRoom Room { get; } = room;
    }
}

using System.Diagnostics;
using System.Threading.Channels;

namespace Mailbox.Bench.Baselines;

/// <summary>
/// The least a hand-written event loop with timers can be: <see cref="RawChannelLoop"/>'s shape (an unbounded
/// single-reader <see cref="Channel{T}"/> of <see cref="Action"/>, one dedicated thread) plus a
/// <see cref="PriorityQueue{TElement, TPriority}"/> of callbacks keyed by due tick, on a clock that is a plain
/// <see cref="long"/> of the loop's own, moved only by <see cref="Advance"/>.
/// </summary>
/// <remarks>
/// It is the fair floor for Mailbox's timers: the base library's binary heap with nothing on top — no FIFO tiebreak for
/// equal due times (the heap does not promise one; Mailbox's key carries a sequence number for it), no handle unless the
/// timer is cancellable, cancellation by a flag that the heap drops lazily when the entry reaches the top, no provider
/// timer (nothing real wakes the loop: its clock moves only by a message, like a <c>FakeTimeProvider</c> without its
/// lock), no fault handling, no counting. After each drained batch of messages the loop runs every timer due on its
/// clock, including those the batch's timers scheduled as due now. The timer methods are the loop thread's only: they
/// are called from callbacks running on the loop.
/// </remarks>
public sealed class TimerHeapLoop : IDisposable
{
    /// <summary>The mailbox: any thread writes, <see cref="_thread"/> is the only reader.</summary>
    private readonly Channel<Action> _channel = Channel.CreateUnbounded<Action>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });

    /// <summary>The timers, by due tick. Loop thread only.</summary>
    private readonly PriorityQueue<HeapTimer, long> _timers = new();

    /// <summary>The message <see cref="Advance"/> posts: moves the clock by what has been added to <see cref="_pendingAdvance"/>.</summary>
    private readonly Action _applyAdvance;

    /// <summary>The dedicated reader thread.</summary>
    private readonly Thread _thread;

    /// <summary>Ticks that <see cref="Advance"/> calls added and the loop has not applied yet; Interlocked only.</summary>
    private long _pendingAdvance;

    /// <summary>The loop's clock, in ticks. Loop thread only.</summary>
    private long _now;

    /// <summary>Starts the reader thread.</summary>
    /// <param name="name">The thread's name.</param>
    public TimerHeapLoop(string name)
    {
        _applyAdvance = ApplyAdvance;
        _thread = new Thread(RunReader) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Timers in the heap, cancelled ones not yet dropped included. Loop thread only.</summary>
    public int HeapCount
    {
        get
        {
            AssertOwner();
            return _timers.Count;
        }
    }

    /// <summary>Queues <paramref name="callback"/> to run on the loop thread; any thread may call it.</summary>
    /// <exception cref="InvalidOperationException">The loop was disposed.</exception>
    public void Post(Action callback)
    {
        if (!_channel.Writer.TryWrite(callback))
        {
            throw new InvalidOperationException("The timer heap loop is disposed.");
        }
    }

    /// <summary>Moves the loop's clock forward by <paramref name="ticks"/>, by a message behind everything posted before; any thread.</summary>
    public void Advance(long ticks)
    {
        Interlocked.Add(ref _pendingAdvance, ticks);
        Post(_applyAdvance);
    }

    /// <summary>Runs <paramref name="callback"/> once the clock has moved <paramref name="delayTicks"/> past now. Loop thread only.</summary>
    public void CallLater(long delayTicks, Action callback)
    {
        AssertOwner();
        _timers.Enqueue(new HeapTimer(callback, null), _now + delayTicks);
    }

    /// <summary>As <see cref="CallLater"/>, with a flag that cancels the timer. Loop thread only.</summary>
    /// <returns>The flag; <see cref="CancelFlag.Cancel"/> leaves the entry in the heap until it reaches the top.</returns>
    public CancelFlag CallLaterCancellable(long delayTicks, Action callback)
    {
        AssertOwner();
        var flag = new CancelFlag();
        _timers.Enqueue(new HeapTimer(callback, flag), _now + delayTicks);
        return flag;
    }

    /// <summary>The due tick of the earliest live timer, dropping cancelled entries on the way (what a lazy heap does on every peek). Loop thread only.</summary>
    public bool TryPeekDue(out long dueTicks)
    {
        AssertOwner();
        while (_timers.TryPeek(out HeapTimer timer, out dueTicks))
        {
            if (timer.Flag is not { IsCancelled: true })
            {
                return true;
            }

            _timers.Dequeue();
        }

        return false;
    }

    /// <summary>Lets the reader run what is queued, then joins its thread.</summary>
    public void Dispose()
    {
        _channel.Writer.TryComplete();
        _thread.Join();
    }

    /// <summary>The loop: drain everything readable, run the due timers, then block until the channel has more or is completed.</summary>
    private void RunReader()
    {
        ChannelReader<Action> reader = _channel.Reader;
        do
        {
            while (reader.TryRead(out Action? callback))
            {
                callback();
            }

            RunDueTimers();
        }
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult());
    }

    /// <summary>Pops and runs every timer due on the loop's clock, skipping cancelled ones.</summary>
    private void RunDueTimers()
    {
        while (_timers.TryPeek(out HeapTimer timer, out long due) && due <= _now)
        {
            _timers.Dequeue();
            if (timer.Flag is not { IsCancelled: true })
            {
                timer.Callback();
            }
        }
    }

    /// <summary>The message behind <see cref="Advance"/>.</summary>
    private void ApplyAdvance() => _now += Interlocked.Exchange(ref _pendingAdvance, 0);

    [Conditional("DEBUG")]
    private void AssertOwner() => Debug.Assert(Thread.CurrentThread == _thread, "timer heap loop: loop thread only");

    /// <summary>A cancellable timer's flag. Loop thread only, like the heap.</summary>
    public sealed class CancelFlag
    {
        /// <summary>Whether <see cref="Cancel"/> was called.</summary>
        public bool IsCancelled { get; private set; }

        /// <summary>Cancels the timer; its heap entry is dropped when it reaches the top.</summary>
        public void Cancel() => IsCancelled = true;
    }

    /// <summary>A heap entry: the callback, and the flag of a cancellable timer (null otherwise).</summary>
    private readonly record struct HeapTimer(Action Callback, CancelFlag? Flag);
}

using System.Collections.Concurrent;

namespace Mailbox.Bench.Baselines;

/// <summary>
/// A hand-written loop without a channel: a <see cref="ConcurrentQueue{T}"/> of <see cref="Action"/>, one dedicated
/// reader thread, and a sleep flag the writer checks after its enqueue — the shape of Akka.NET's mailbox (a lock-free
/// queue and a scheduled/idle status), with nothing else. It answers one question for the send path's issue: what
/// DESIGN.md's <c>Channel&lt;T&gt;</c> data lane costs a writer by itself, since the channel's <c>TryWrite</c> takes a
/// lock around the same queue's enqueue and this loop does not.
/// </summary>
/// <remarks>
/// The handshake is the usual one for a lock-free mailbox: the writer's enqueue is an interlocked operation (a full
/// fence) before it reads <see cref="_sleeping"/>; the reader sets <see cref="_sleeping"/> with an exchange (a full fence)
/// before it looks at the queue once more. One of the two sees the other, so no item is left behind a sleeping reader.
/// A callback that throws ends the reader thread: the harness posts none.
/// </remarks>
public sealed class QueueLoop : IDisposable
{
    /// <summary>The items: any thread enqueues, the reader thread dequeues.</summary>
    private readonly ConcurrentQueue<Action> _queue = new();

    /// <summary>What a sleeping reader waits on; set by the writer that finds it asleep.</summary>
    private readonly AutoResetEvent _wake = new(false);

    /// <summary>The reader thread.</summary>
    private readonly Thread _thread;

    /// <summary>1 while the reader is about to sleep or asleep; a writer that swaps it to 0 must wake it.</summary>
    private int _sleeping;

    /// <summary>Set by <see cref="Dispose"/>; the reader ends once it sees it with the queue empty.</summary>
    private volatile bool _disposed;

    /// <summary>Starts the reader thread.</summary>
    /// <param name="name">The thread's name.</param>
    public QueueLoop(string name)
    {
        _thread = new Thread(RunReader) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Queues <paramref name="callback"/> to run on the loop thread; any thread may call it.</summary>
    /// <param name="callback">The work.</param>
    public void Post(Action callback)
    {
        _queue.Enqueue(callback);
        if (Volatile.Read(ref _sleeping) == 1 && Interlocked.Exchange(ref _sleeping, 0) == 1)
        {
            _wake.Set();
        }
    }

    /// <summary>Lets the reader run what is queued, then joins its thread.</summary>
    public void Dispose()
    {
        _disposed = true;
        Interlocked.Exchange(ref _sleeping, 0);
        _wake.Set();
        _thread.Join();
        _wake.Dispose();
    }

    private void RunReader()
    {
        while (true)
        {
            while (_queue.TryDequeue(out var callback))
            {
                callback();
            }

            if (_disposed)
            {
                return;
            }

            Interlocked.Exchange(ref _sleeping, 1);
            if (!_queue.IsEmpty || _disposed)
            {
                // Work came in after the drain: take it back unless a writer has already claimed the wake (its Set then
                // leaves the event signalled, and the next sleep returns at once).
                Interlocked.Exchange(ref _sleeping, 0);
                continue;
            }

            _wake.WaitOne();
        }
    }
}

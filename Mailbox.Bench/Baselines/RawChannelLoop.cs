using System.Threading.Channels;

namespace Mailbox.Bench.Baselines;

/// <summary>
/// The least a hand-written event loop can be: an unbounded single-reader <see cref="Channel{T}"/> of
/// <see cref="Action"/> and one dedicated thread that runs every item it can take, then blocks until more arrive.
/// </summary>
/// <remarks>
/// It is the fair baseline for <see cref="LoopActor"/>: it is the transport Mailbox's data lane is built from (the same
/// channel with the same options, one dedicated reader thread) with nothing on top of it — no lifecycle, no control lane,
/// no counting, no fault handling, no wrong-thread checks — so a benchmark's ratio is what those cost. The reader blocks
/// on <c>WaitToReadAsync().AsTask()</c> with <c>AllowSynchronousContinuations = false</c>, the fast-throughput choice
/// measured in DESIGN.md (a writer's wake-up of an idle reader hops through the thread pool). A callback that throws
/// ends the loop thread: this baseline has no fault handling, and the benchmarks post none that throw.
/// Its one piece of lifecycle is what a hand-written loop needs to stop without running its queue
/// (<see cref="RequestDiscardingStop"/>, <see cref="JoinDiscarding"/>): a flag the reader checks before each callback,
/// then the queue drained with <c>TryRead</c> and counted.
/// </remarks>
public sealed class RawChannelLoop : IDisposable
{
    /// <summary>The mailbox: any thread writes, <see cref="_thread"/> is the only reader.</summary>
    private readonly Channel<Action> _channel = Channel.CreateUnbounded<Action>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });

    /// <summary>The dedicated reader thread: it runs every callback, in the order the channel hands them out.</summary>
    private readonly Thread _thread;

    /// <summary>Set by <see cref="RequestDiscardingStop"/> (any thread); the reader checks it before each callback.</summary>
    private volatile bool _discardRequested;

    /// <summary>Callbacks the reader dropped after a discarding stop; written by the reader before its thread exits.</summary>
    private long _discarded;

    /// <summary>Starts the reader thread.</summary>
    /// <param name="name">The thread's name.</param>
    public RawChannelLoop(string name)
    {
        _thread = new Thread(RunReader) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Queues <paramref name="callback"/> to run on the loop thread; any thread may call it.</summary>
    /// <exception cref="InvalidOperationException">The loop was disposed.</exception>
    public void Post(Action callback)
    {
        if (!_channel.Writer.TryWrite(callback))
        {
            throw new InvalidOperationException("The raw channel loop is disposed.");
        }
    }

    /// <summary>Lets the reader run what is queued, then joins its thread.</summary>
    public void Dispose()
    {
        _channel.Writer.TryComplete();
        _thread.Join();
    }

    /// <summary>
    /// Starts a stop that runs nothing more: later posts are refused, and the reader, before its next callback, drops
    /// everything still queued. Returns at once; <see cref="JoinDiscarding"/> waits for the thread. Any thread.
    /// </summary>
    public void RequestDiscardingStop()
    {
        _discardRequested = true;
        _channel.Writer.TryComplete();
    }

    /// <summary>Joins the reader thread after <see cref="RequestDiscardingStop"/>.</summary>
    /// <returns>How many queued callbacks the reader dropped.</returns>
    public long JoinDiscarding()
    {
        _thread.Join();
        return _discarded;
    }

    /// <summary>The loop: drain everything readable, then block this thread until the channel has more or is completed.</summary>
    private void RunReader()
    {
        ChannelReader<Action> reader = _channel.Reader;
        do
        {
            while (reader.TryRead(out Action? callback))
            {
                if (_discardRequested)
                {
                    _discarded = 1 + Discard(reader);
                    return;
                }

                callback();
            }
        }
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult());
    }

    /// <summary>Drops every callback left in the completed channel; returns how many.</summary>
    private static long Discard(ChannelReader<Action> reader)
    {
        long discarded = 0;
        while (reader.TryRead(out _))
        {
            discarded++;
        }

        return discarded;
    }
}

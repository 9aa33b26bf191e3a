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
/// </remarks>
public sealed class RawChannelLoop : IDisposable
{
    /// <summary>The mailbox: any thread writes, <see cref="_thread"/> is the only reader.</summary>
    private readonly Channel<Action> _channel = Channel.CreateUnbounded<Action>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });

    /// <summary>The dedicated reader thread: it runs every callback, in the order the channel hands them out.</summary>
    private readonly Thread _thread;

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

    /// <summary>The loop: drain everything readable, then block this thread until the channel has more or is completed.</summary>
    private void RunReader()
    {
        ChannelReader<Action> reader = _channel.Reader;
        do
        {
            while (reader.TryRead(out Action? callback))
            {
                callback();
            }
        }
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult());
    }
}

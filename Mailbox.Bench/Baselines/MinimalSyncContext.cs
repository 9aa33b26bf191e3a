using System.Threading.Channels;

namespace Mailbox.Bench.Baselines;

/// <summary>
/// The least <see cref="SynchronizationContext"/> that gives <c>async</c>/<c>await</c> a home thread:
/// <see cref="Post"/> writes <c>(callback, state)</c> into an unbounded single-reader channel, and one dedicated thread,
/// with this context installed, runs the pairs in order.
/// </summary>
/// <remarks>
/// It is the fair baseline for coroutine steps: under it <c>await Task.Yield()</c> costs exactly the base library's path
/// (the yield awaiter posts the continuation to the current context) over the same transport Mailbox uses — a
/// <see cref="Channel{T}"/> read by one dedicated thread — with no lifecycle, no counting and no purpose-built awaitable.
/// <see cref="Send"/> is not supported (nothing here needs it); equality is identity, and <see cref="CreateCopy"/>
/// returns this instance, so a captured context compares equal to the installed one.
/// </remarks>
public sealed class MinimalSyncContext : SynchronizationContext, IDisposable
{
    /// <summary>The queue of posted work: any thread writes, <see cref="_thread"/> is the only reader.</summary>
    private readonly Channel<(SendOrPostCallback Callback, object? State)> _channel =
        Channel.CreateUnbounded<(SendOrPostCallback Callback, object? State)>(
            new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });

    /// <summary>The dedicated thread that has this context installed and runs everything posted to it.</summary>
    private readonly Thread _thread;

    /// <summary>Starts the context's thread.</summary>
    /// <param name="name">The thread's name.</param>
    public MinimalSyncContext(string name)
    {
        _thread = new Thread(RunReader) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Queues <paramref name="d"/> to run on the context's thread; any thread may call it.</summary>
    /// <exception cref="InvalidOperationException">The context was disposed.</exception>
    public override void Post(SendOrPostCallback d, object? state)
    {
        if (!_channel.Writer.TryWrite((d, state)))
        {
            throw new InvalidOperationException("The minimal synchronization context is disposed.");
        }
    }

    /// <summary>Not supported: the benchmarks only post.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("MinimalSyncContext only posts.");

    /// <summary>Returns this instance: the context is tied to its one thread.</summary>
    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Lets the thread run what is queued, then joins it.</summary>
    public void Dispose()
    {
        _channel.Writer.TryComplete();
        _thread.Join();
    }

    /// <summary>The loop: install this context, drain everything readable, then block until there is more or the channel is completed.</summary>
    private void RunReader()
    {
        SetSynchronizationContext(this);
        ChannelReader<(SendOrPostCallback Callback, object? State)> reader = _channel.Reader;
        do
        {
            while (reader.TryRead(out (SendOrPostCallback Callback, object? State) item))
            {
                item.Callback(item.State);
            }
        }
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult());
    }
}

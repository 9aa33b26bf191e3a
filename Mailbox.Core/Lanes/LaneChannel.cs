using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;

namespace Mailbox;

/// <summary>
/// A loop's data lane: an unbounded, never-completed <see cref="Channel{T}"/> whose writer takes no lock.
/// </summary>
/// <remarks>
/// <para>
/// Why not the platform's channels. The single-reader unbounded one keeps its items in a
/// <see cref="ConcurrentQueue{T}"/>, but every <c>TryWrite</c> takes a lock around the
/// enqueue; the bounded one takes a lock for every write and every read. The locks have two jobs:
/// completing the channel atomically with respect to writes, and handing an item to a reader blocked in
/// <c>ReadAsync</c>/<c>WaitToReadAsync</c>. A loop's lane needs neither: acceptance and its exact count are the send
/// gate's (<see cref="SendGate"/>; the lane is never completed), and the loop's thread never waits on the channel (it
/// parks on its own signal, <c>Scheduling/LoopThread.cs</c>). With two or more producers that lock was the send path's
/// cost: the producers hand its cache line back and forth and, on a machine with fewer cores than threads, one waits for
/// another that was preempted holding it; a grouped loop on the bounded channel paid it on both ends, one producer
/// included (benchmarks.md, "Run of 2026-12-04, late").
/// </para>
/// <para>
/// The items live in one of two lock-free queues, chosen at spawn. A dedicated loop's is the platform's
/// <see cref="ConcurrentQueue{T}"/> (the unbounded channel's own queue, without the channel's lock): with two and four
/// producers it measured steadier than the library's ring. A grouped loop's is a <see cref="LaneQueue"/>, whose first ring
/// can be smaller than a <c>ConcurrentQueue</c>'s 32 slots: 8 slots, a lane of about 570 B where the bounded channel's was
/// 800 B (a hundred thousand loops, most of them quiet, feel the difference; the unbounded channel's is 1,472 B).
/// </para>
/// <para>
/// What is kept of the contract: <see cref="ChannelWriter{T}.TryComplete"/> stays the base's (false: this channel is
/// never completed, and its <see cref="ChannelReader{T}.Completion"/> never completes); <c>Count</c> is not offered
/// (<c>CanCount</c> false: nothing in the library counts the lane, the gate does); <c>WaitToReadAsync</c> works for
/// any reader that does wait (none in the library), with the usual handshake — the writer's enqueue is an interlocked
/// operation before it reads the waiter, the waiter is published with an interlocked exchange before the queue is
/// looked at again — so an item is never left behind a waiting reader.
/// </para>
/// </remarks>
internal sealed class LaneChannel : Channel<Envelope>
{
    /// <summary>A grouped loop's first ring: 8 slots, 192 B (one of many loops, most of them quiet; a busy one doubles it).</summary>
    internal const int GroupedRing = 8;

    /// <summary>A dedicated loop's items (else null); any thread enqueues, the loop's thread dequeues.</summary>
    private readonly ConcurrentQueue<Envelope>? _shared;

    /// <summary>A grouped loop's items (else null); any thread enqueues, the loop's thread dequeues.</summary>
    private readonly LaneQueue? _ring;

    /// <summary>A reader waiting in <c>WaitToReadAsync</c>, if any; whoever swaps it out completes it.</summary>
    private TaskCompletionSource<bool>? _waiter;

    /// <param name="grouped">Whether the lane is a grouped loop's (a <see cref="LaneQueue"/> of <see cref="GroupedRing"/> slots to begin with) or a dedicated loop's (a <see cref="ConcurrentQueue{T}"/>).</param>
    public LaneChannel(bool grouped)
    {
        if (grouped)
        {
            _ring = new LaneQueue(GroupedRing);
        }
        else
        {
            _shared = new ConcurrentQueue<Envelope>();
        }

        Reader = new LaneReader(this);
        Writer = new LaneWriter(this);
    }

    /// <summary>Whether no item waits. Reader only.</summary>
    private bool IsEmpty => _shared?.IsEmpty ?? _ring!.IsEmpty;

    /// <summary>Completes the waiting reader, if one waits, after an item was enqueued.</summary>
    private void WakeWaiter()
    {
        if (Volatile.Read(ref _waiter) is { } waiter && Interlocked.CompareExchange(ref _waiter, null, waiter) == waiter)
        {
            waiter.TrySetResult(true);
        }
    }

    private sealed class LaneWriter(LaneChannel parent) : ChannelWriter<Envelope>
    {
        public override bool TryWrite(Envelope item)
        {
            // Either enqueue claims its slot with an interlocked operation: the fence before the waiter is read.
            if (parent._shared is { } shared)
            {
                shared.Enqueue(item);
            }
            else
            {
                parent._ring!.Enqueue(item);
            }

            parent.WakeWaiter();
            return true;
        }

        public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) =>
            cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled<bool>(cancellationToken) : new ValueTask<bool>(true);

        public override ValueTask WriteAsync(Envelope item, CancellationToken cancellationToken = default)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled(cancellationToken);
            }

            TryWrite(item);
            return default;
        }
    }

    private sealed class LaneReader(LaneChannel parent) : ChannelReader<Envelope>
    {
        public override bool CanPeek => true;

        public override bool TryRead([MaybeNullWhen(false)] out Envelope item) =>
            parent._shared is { } shared ? shared.TryDequeue(out item) : parent._ring!.TryDequeue(out item);

        public override bool TryPeek([MaybeNullWhen(false)] out Envelope item) =>
            parent._shared is { } shared ? shared.TryPeek(out item) : parent._ring!.TryPeek(out item);

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
        {
            if (!parent.IsEmpty)
            {
                return new ValueTask<bool>(true);
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<bool>(cancellationToken);
            }

            var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref parent._waiter, waiter)?.TrySetResult(true); // a single reader: an older waiter just looks again
            if (!parent.IsEmpty)
            {
                parent.WakeWaiter(); // an item came before the waiter was published: its writer may not have seen it
            }

            if (cancellationToken.CanBeCanceled)
            {
                var registration = cancellationToken.UnsafeRegister(static (state, token) =>
                {
                    var (channel, w) = ((LaneChannel, TaskCompletionSource<bool>))state!;
                    if (Interlocked.CompareExchange(ref channel._waiter, null, w) == w)
                    {
                        w.TrySetCanceled(token);
                    }
                }, (parent, waiter));
                waiter.Task.ContinueWith(static (_, r) => ((CancellationTokenRegistration)r!).Dispose(), registration, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            return new ValueTask<bool>(waiter.Task);
        }
    }
}

using System.Numerics;
using System.Runtime.InteropServices;

namespace Mailbox;

/// <summary>
/// The point at which a data-lane send is accepted, and the exact count of accepted sends. A struct held in place in
/// its loop (a grouped loop's single counter then costs no object of its own); never copied.
/// </summary>
/// <remarks>
/// A sender enters the gate with one <see cref="Interlocked.Increment(ref long)"/> on a stripe picked by its thread id,
/// before it writes its envelope to the channel. <see cref="Close"/> sets a closed bit in every stripe with
/// <see cref="Interlocked.Or(ref long, long)"/>: a sender whose increment came first is accepted (and will land in the
/// channel), one whose increment came after sees the bit and is refused. So the total returned by <see cref="Close"/> is
/// exactly the number of accepted sends, with no scan of the queue — which is what lets an Immediate stop of a loop with
/// a million queued messages report its <c>Discarded</c> count in O(stripes).
/// The increment is also the full fence that the reader's park/wake handshake needs on the sender side (see
/// <c>LoopActor.Reader.cs</c>). Stripes sit on their own 128-byte blocks so that senders on different threads do not
/// share a cache line with each other or with the reader.
/// </remarks>
internal struct SendGate
{
    /// <summary>The bit <see cref="Close"/> sets in every stripe; below it, a stripe counts entries.</summary>
    private const long ClosedBit = 1L << 62;

    /// <summary>Per-thread-hash entry counters; written by senders (Interlocked), read by the reader and the closer. Null for a single-stripe gate, which counts in <see cref="_single"/>.</summary>
    private readonly Stripe[]? _stripes;

    /// <summary>The one counter of a single-stripe gate (a grouped loop's): no array, no padding.</summary>
    private long _single;

    /// <summary>Length of <see cref="_stripes"/> minus one (the length is a power of two).</summary>
    private readonly int _mask;

    /// <summary>The exact accepted total, fixed by <see cref="Close"/>; -1 while open. Written once, by the closer.</summary>
    private long _closedTotal = -1;

    /// <summary>Stripes for a dedicated loop: its senders may be many threads at once, each on its own stripe.</summary>
    public static readonly int DedicatedStripes = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount * 2, 8, 64));

    /// <param name="stripes">A power of two: <see cref="DedicatedStripes"/>, or 1 for a grouped loop (one of many on a thread, where a kilobyte of stripes per loop would cost more than contention saves).</param>
    public SendGate(int stripes)
    {
        _stripes = stripes == 1 ? null : new Stripe[stripes];
        _mask = stripes - 1;
    }

    /// <summary>Whether the gate counts in one field (a grouped loop's): then reading <see cref="Accepted"/> is one load, cheaper than a look into the lane.</summary>
    public bool IsSingle => _stripes is null;

    /// <summary>Whether <see cref="Close"/> has run.</summary>
    public bool IsClosed => Volatile.Read(ref _closedTotal) >= 0;

    /// <summary>Tries to enter; true means the send is accepted and the caller must now write it to the lane.</summary>
    public bool TryEnter() =>
        (Interlocked.Increment(ref _stripes is { } stripes ? ref stripes[Environment.CurrentManagedThreadId & _mask].Count : ref _single) & ClosedBit) == 0;

    /// <summary>Accepted sends so far (once closed: the exact final total). Any thread; O(stripes).</summary>
    public long Accepted
    {
        get
        {
            long closed = Volatile.Read(ref _closedTotal);
            if (closed >= 0)
            {
                return closed;
            }

            long sum = Volatile.Read(ref _single) & ~ClosedBit;
            foreach (ref var stripe in _stripes.AsSpan())
            {
                sum += Volatile.Read(ref stripe.Count) & ~ClosedBit;
            }

            return sum;
        }
    }

    /// <summary>Closes the gate; returns false if it was already closed. Callers are serialised by the loop's state transition.</summary>
    public bool Close()
    {
        if (IsClosed)
        {
            return false;
        }

        long total = Interlocked.Or(ref _single, ClosedBit) & ~ClosedBit;
        foreach (ref var stripe in _stripes.AsSpan())
        {
            total += Interlocked.Or(ref stripe.Count, ClosedBit) & ~ClosedBit;
        }

        Volatile.Write(ref _closedTotal, total);
        return true;
    }

    /// <summary>One counter alone on its 128-byte block (two cache lines, against adjacent-line prefetch).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Stripe
    {
        [FieldOffset(64)]
        public long Count;
    }
}

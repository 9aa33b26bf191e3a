using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace Mailbox;

/// <summary>
/// The data lane's items: an unbounded, lock-free FIFO for many writers and one reader, as rings that grow.
/// </summary>
/// <remarks>
/// <para>
/// Why not <see cref="System.Collections.Concurrent.ConcurrentQueue{T}"/>, which has the same shape. Its first ring is 32
/// slots (768 B for a 16-byte envelope) and cannot be made smaller; a hundred thousand grouped loops, most of them
/// quiet, would carry 77 MB of empty slots. This queue starts at the size the loop asks for (8 slots for a grouped loop)
/// and doubles a ring only when it is full, up to <see cref="MaxRingLength"/>; a ring the reader has emptied is reused in
/// place, so a loop in steady state allocates nothing.
/// </para>
/// <para>
/// A ring (the bounded queue of D. Vyukov): every slot carries a sequence number. A writer claims position <c>p</c> by
/// CAS on the ring's tail when the slot's number says "free for p" (equal to <c>p</c>), writes the item, then publishes
/// it by setting the number to <c>p + 1</c>; the reader takes position <c>p</c> once the number is <c>p + 1</c> and
/// frees the slot for the next lap by setting it to <c>p + length</c>. Positions are <see cref="int"/>s compared by
/// difference, so they may wrap.
/// </para>
/// <para>
/// Growing. A writer that finds the ring full locks that ring (the only lock, taken once per doubling),
/// <em>freezes</em> it — adds twice its length to its tail, so every later claim sees the ring as full
/// and no claim can succeed against a tail read before — links a ring twice as long behind it, and makes that the tail.
/// Every item of the old ring was claimed before the freeze and every item of the new one after it, so FIFO order holds
/// across rings; the reader leaves a frozen ring only when its head has reached the tail the freeze fixed, i.e. every
/// claim in it has been read. A claimed slot not yet published reads as empty for a moment: the reader then answers
/// false, as for an empty queue, and the send gate's count (which was taken before the claim) tells the loop that the
/// item is still landing.
/// </para>
/// <para>
/// Ownership: <see cref="_head"/> and each ring's head belong to the reader; <see cref="_tail"/> and
/// each ring's tail to the writers (CAS, and the ring's lock for the switch).
/// </para>
/// </remarks>
internal sealed class LaneQueue
{
    /// <summary>The longest ring: past it a full ring links another of the same length.</summary>
    internal const int MaxRingLength = 1 << 20;

    /// <summary>The ring the reader takes from. Reader only.</summary>
    private Ring _head;

    /// <summary>The ring writers claim in; replaced under the full ring's lock.</summary>
    private volatile Ring _tail;

    /// <param name="initialLength">The first ring's length, a power of two of at least 2 (a ring of one slot cannot tell full from free).</param>
    public LaneQueue(int initialLength)
    {
        Debug.Assert(initialLength >= 2 && (initialLength & (initialLength - 1)) == 0, "a power of two, at least 2");
        _head = _tail = new Ring(initialLength);
    }

    /// <summary>Whether no item is published at the reader's position (a claim still being written reads as empty). Reader only.</summary>
    public bool IsEmpty => !TryPeek(out _);

    /// <summary>Adds <paramref name="item"/> at the tail. Any thread; lock-free except when a ring is full.</summary>
    public void Enqueue(in Envelope item)
    {
        while (true)
        {
            var ring = _tail;
            if (ring.TryEnqueue(item))
            {
                return;
            }

            Grow(ring);
        }
    }

    /// <summary>Takes the item at the head, if one is published. Reader only.</summary>
    public bool TryDequeue([MaybeNullWhen(false)] out Envelope item)
    {
        while (true)
        {
            var ring = _head;
            if (ring.TryDequeue(out item))
            {
                return true;
            }

            // Empty here. A frozen ring whose every claim has been read is done with: go on to the next one.
            if (ring.Next is not { } next || !ring.IsDrained)
            {
                return false;
            }

            _head = next;
        }
    }

    /// <summary>Takes the item at the head without removing it, if one is published. Reader only.</summary>
    public bool TryPeek([MaybeNullWhen(false)] out Envelope item)
    {
        var ring = _head;
        while (true)
        {
            if (ring.TryPeek(out item))
            {
                return true;
            }

            if (ring.Next is not { } next || !ring.IsDrained)
            {
                return false;
            }

            ring = next;
        }
    }

    private void Grow(Ring full)
    {
        lock (full) // a private object: only writers that found this ring full contend for it
        {
            if (_tail != full)
            {
                return; // another writer switched rings while this one waited
            }

            full.Freeze();
            var next = new Ring(Math.Min(full.Length * 2, MaxRingLength));
            full.Next = next; // published after the freeze: a reader that sees it sees the frozen tail
            _tail = next;
        }
    }

    /// <summary>One ring of slots.</summary>
    private sealed class Ring
    {
        /// <summary>The slots; their sequence numbers say whose turn each is.</summary>
        private readonly Slot[] _slots;

        /// <summary>Length minus one.</summary>
        private readonly int _mask;

        /// <summary>What a freeze adds to the tail: twice the length keeps every later claim's difference negative.</summary>
        private readonly int _freezeOffset;

        /// <summary>The ring after this one once frozen; null while this is the writers' ring.</summary>
        private volatile Ring? _next;

        /// <summary>The writers' and the reader's positions, a cache line apart (see <see cref="Positions"/>).</summary>
        private Positions _at;

        public Ring(int length)
        {
            _slots = new Slot[length];
            _mask = length - 1;
            _freezeOffset = length * 2;
            for (int i = 0; i < _slots.Length; i++)
            {
                _slots[i].Sequence = i;
            }
        }

        public int Length => _slots.Length;

        public Ring? Next
        {
            get => _next;
            set => _next = value;
        }

        /// <summary>Whether this ring is frozen and every claim in it has been read. Reader only; call after seeing <see cref="Next"/> set.</summary>
        public bool IsDrained => _at.Head == Volatile.Read(ref _at.Tail) - _freezeOffset;

        public bool TryEnqueue(in Envelope item)
        {
            var slots = _slots;
            while (true)
            {
                int tail = Volatile.Read(ref _at.Tail);
                ref var slot = ref slots[tail & _mask];
                int diff = Volatile.Read(ref slot.Sequence) - tail;
                if (diff == 0)
                {
                    if (Interlocked.CompareExchange(ref _at.Tail, tail + 1, tail) == tail)
                    {
                        slot.Item = item;
                        Volatile.Write(ref slot.Sequence, tail + 1);
                        return true;
                    }
                }
                else if (diff < 0)
                {
                    return false; // full, or frozen
                }

                // diff > 0: another writer claimed this position first; read the tail again.
            }
        }

        public bool TryDequeue(out Envelope item)
        {
            int head = _at.Head;
            ref var slot = ref _slots[head & _mask];
            if (Volatile.Read(ref slot.Sequence) != head + 1)
            {
                item = default;
                return false;
            }

            item = slot.Item;
            slot.Item = default; // let the collector have what the message referenced
            _at.Head = head + 1;
            Volatile.Write(ref slot.Sequence, head + _slots.Length); // free for the writer one lap on
            return true;
        }

        public bool TryPeek(out Envelope item)
        {
            ref var slot = ref _slots[_at.Head & _mask];
            if (Volatile.Read(ref slot.Sequence) != _at.Head + 1)
            {
                item = default;
                return false;
            }

            item = slot.Item;
            return true;
        }

        /// <summary>Makes every later claim fail. Under this ring's lock.</summary>
        public void Freeze() => Interlocked.Add(ref _at.Tail, _freezeOffset);
    }

    /// <summary>
    /// A ring's two positions, each on a cache line of its own and off the line of the ring's read-mostly fields: the
    /// writers move the tail with every item and the reader the head, and sharing a line made each item cost both sides
    /// a miss (a first version had them side by side: 0.4–0.6× the throughput of the platform's queue, which pads them
    /// the same way). 64 bytes between them, not 128, because a grouped loop carries one of these per lane.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private struct Positions
    {
        [FieldOffset(64)]
        public int Tail;

        [FieldOffset(128)]
        public int Head;
    }

    /// <summary>An item and the sequence number that says whose turn the slot is.</summary>
    private struct Slot
    {
        public Envelope Item;
        public int Sequence;
    }
}

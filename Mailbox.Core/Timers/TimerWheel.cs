using System.Diagnostics;
using System.Numerics;

namespace Mailbox;

/// <summary>
/// A hierarchical timing wheel on exact ticks: 11 levels of 64 slots, level <c>k</c>'s slots <c>64^k</c> ticks wide, so the
/// whole non-negative tick range is covered and no timer ever waits in an overflow list. Owned by the loop thread (through
/// its <see cref="TimerQueue"/>); never locked.
/// </summary>
/// <remarks>
/// <para>
/// <b>Where a timer goes.</b> A timer due at <c>d</c> sits at the level of the highest base-64 digit in which <c>d</c>
/// differs from <see cref="Elapsed"/>, in the slot named by <c>d</c>'s digit there (Varghese and Lauck's scheme, placed the
/// way Tokio places it). So every timer of level <c>k</c> is due inside the current level-<c>k+1</c> block, in a later
/// level-<c>k</c> slot than <see cref="Elapsed"/>'s: a lower level holds only earlier timers than a higher one, and inside a
/// level the slots are in due order with no wrap-around. The earliest timer is in the lowest occupied level, at its lowest
/// occupied slot — two trailing-zero counts on the occupancy bitmaps, whatever is pending.
/// </para>
/// <para>
/// <b>Exact, unlike the published wheels.</b> Tokio and Kafka round due times to a tick of 1 ms and do not keep equal due
/// times in order. Here the lowest level's slots are one tick of the loop's clock wide, so a level-0 slot holds timers of
/// one exact due time, and order within a slot is order of arrival. That is scheduling order for equal due times: all
/// timers due at <c>d</c> sit in the same slot at any moment (the slot depends only on <c>d</c> and
/// <see cref="Elapsed"/>), a cascade moves a whole slot front to back into lower slots, and a timer due at <c>d</c> can
/// land directly in a lower level only after the cascade that brought the older ones there. Nothing older can arrive after
/// it.
/// </para>
/// <para>
/// <b>Moving time.</b> <see cref="Elapsed"/> only moves forward, and only to a time every held timer is due at or after,
/// and never past the clock the owner fired at (<see cref="TrySettle"/>): so a timer set from now on with a delay of zero
/// or more is never behind it, and only a time in the past (a <c>CallAt</c> of an earlier moment, a wall clock set back)
/// does not fit; the owner keeps those apart. A jump of hours costs one cascade per occupied slot on the way down, not one
/// step per tick or per slot passed: empty slots and levels are skipped by the bitmaps.
/// </para>
/// <para>
/// A slot is a list of chunks of 16 entries, appended at the tail and read from the head; emptied chunks go to a free list
/// that every slot draws from, so the store holds about what its peak population needs (not a grown array per slot ever
/// used: as the clock moves, a level's timers land in ever new slots), and a loop with a steady population of timers
/// stops allocating for its store. A level is created with
/// its first timer (64 slots, about 1 KB), which is why a loop starts with the owner's plain heap and moves to a wheel only
/// once it holds many timers.
/// </para>
/// </remarks>
internal sealed class TimerWheel
{
    private const int SlotBits = 6;
    private const int SlotMask = (1 << SlotBits) - 1;

    /// <summary>Entries per chunk of a slot: 384 bytes, few enough that a loop with a few hundred timers spread over many slots stays small.</summary>
    private const int ChunkSize = 16;

    /// <summary>Enough levels for 66 bits: every tick of a <see cref="DateTimeOffset"/> (under 2^62).</summary>
    private const int LevelCount = 11;

    /// <summary>What the wheel reports dead entries to, so that they are counted out once.</summary>
    private readonly TimerQueue _owner;

    /// <summary>The levels, created with their first timer.</summary>
    private readonly Level?[] _levels = new Level?[LevelCount];

    /// <summary>Bit <c>k</c> set while level <c>k</c> holds an entry.</summary>
    private int _occupiedLevels;

    /// <summary>Emptied chunks, linked through <see cref="Chunk.Next"/>, for the next slots to fill.</summary>
    private Chunk? _free;

    public TimerWheel(TimerQueue owner, long elapsed)
    {
        _owner = owner;
        Elapsed = elapsed;
    }

    /// <summary>Every entry in the wheel is due at or after this tick; it moves forward only.</summary>
    public long Elapsed { get; private set; }

    /// <summary>Entries held, dead ones not yet dropped included.</summary>
    public int Count { get; private set; }

    /// <summary>Adds an entry due at or after <see cref="Elapsed"/>, behind every entry of the same due time.</summary>
    public void Add(TimerEntry entry, TimerKey key)
    {
        Debug.Assert(key.DueTicks >= Elapsed, "a timer due before the wheel's time belongs to the owner's heap");
        int level = LevelOf(key.DueTicks);
        var lv = _levels[level] ??= new Level(this);
        int slot = (int)(key.DueTicks >> (level * SlotBits)) & SlotMask;
        lv.Append(slot, entry, key);
        _occupiedLevels |= 1 << level;
        Count++;
    }

    /// <summary>
    /// Cascades every slot that starts at or before <paramref name="now"/> until the earliest entry is known: then
    /// <paramref name="exact"/> is true and <paramref name="key"/> is that entry's (due at <paramref name="now"/> or not);
    /// or the earliest slot starts after <paramref name="now"/>, and <paramref name="key"/> holds that start, a lower bound
    /// of everything in the wheel. Dead entries met at the front are dropped.
    /// </summary>
    /// <returns>False if the wheel holds nothing live.</returns>
    public bool TrySettle(long now, out TimerKey key, out bool exact)
    {
        while (_occupiedLevels != 0)
        {
            int level = BitOperations.TrailingZeroCount(_occupiedLevels);
            var lv = _levels[level]!;
            int slot = BitOperations.TrailingZeroCount(lv.Occupied);
            if (level == 0)
            {
                if (lv.TryPeekLive(slot, out key))
                {
                    exact = true;
                    return true;
                }

                ClearSlot(lv, level, slot);
                continue;
            }

            long start = SlotStart(level, slot);
            if (start > now)
            {
                key = new TimerKey(start, long.MinValue);
                exact = false;
                return true;
            }

            Cascade(lv, level, slot, start);
        }

        key = default;
        exact = false;
        return false;
    }

    /// <summary>Takes the entry <see cref="TrySettle"/> just reported exact; the wheel's time moves to its due time.</summary>
    public TimerEntry TakeEarliest()
    {
        var lv = _levels[0]!;
        int slot = BitOperations.TrailingZeroCount(lv.Occupied);
        var (entry, key) = lv.TakeFront(slot);
        Count--;
        Elapsed = key.DueTicks;
        if (lv.IsEmpty(slot))
        {
            ClearSlot(lv, 0, slot);
        }

        return entry;
    }

    /// <summary>A time at or before every entry's due time, without moving anything: for arming a wake-up.</summary>
    public bool TryPeekLowerBound(out long dueTicks)
    {
        if (_occupiedLevels == 0)
        {
            dueTicks = 0;
            return false;
        }

        int level = BitOperations.TrailingZeroCount(_occupiedLevels);
        dueTicks = SlotStart(level, BitOperations.TrailingZeroCount(_levels[level]!.Occupied));
        return true;
    }

    /// <summary>The earliest live entry's key, found without moving anything: a scan of one slot at most (for queries, not for firing).</summary>
    public bool TryPeekExact(out TimerKey key)
    {
        for (int levels = _occupiedLevels; levels != 0; levels &= levels - 1)
        {
            var lv = _levels[BitOperations.TrailingZeroCount(levels)]!;
            for (ulong slots = lv.Occupied; slots != 0; slots &= slots - 1)
            {
                if (lv.TryFindEarliestLive(BitOperations.TrailingZeroCount(slots), out key))
                {
                    return true;
                }
            }
        }

        key = default;
        return false;
    }

    /// <summary>
    /// Keeps, in place and in order, the live entries <paramref name="keep"/> accepts; dead entries go uncounted (the owner
    /// starts its dead count over).
    /// </summary>
    public void Rebuild(Func<TimerEntry, bool> keep)
    {
        for (int levels = _occupiedLevels; levels != 0; levels &= levels - 1)
        {
            int level = BitOperations.TrailingZeroCount(levels);
            var lv = _levels[level]!;
            for (ulong slots = lv.Occupied; slots != 0; slots &= slots - 1)
            {
                int slot = BitOperations.TrailingZeroCount(slots);
                Count -= lv.Compact(slot, keep, _owner);
                if (lv.Occupied == 0)
                {
                    _occupiedLevels &= ~(1 << level);
                }
            }
        }
    }

    /// <summary>A dead entry left the wheel at a slot's front.</summary>
    internal void DropDead(TimerEntry entry)
    {
        Count--;
        _owner.ForgetDead(entry);
    }

    /// <summary>The level of a timer due at <paramref name="due"/>: that of the highest base-64 digit where it differs from <see cref="Elapsed"/>.</summary>
    private int LevelOf(long due) => (63 - BitOperations.LeadingZeroCount((ulong)(due ^ Elapsed) | SlotMask)) / SlotBits;

    /// <summary>The first tick of a slot: <see cref="Elapsed"/>'s digits above the level, the slot's digit, zeros below.</summary>
    private long SlotStart(int level, int slot)
    {
        int above = (level + 1) * SlotBits;
        long high = above >= 63 ? 0 : Elapsed & ~((1L << above) - 1);
        return high | ((long)slot << (level * SlotBits));
    }

    /// <summary>Moves the wheel's time to a slot's start and hands the slot's entries, front to back, to the levels below.</summary>
    private void Cascade(Level lv, int level, int slot, long start)
    {
        Elapsed = start;
        ClearSlot(lv, level, slot);
        lv.Drain(slot);
    }

    /// <summary>
    /// A cascaded entry, placed again against the wheel's new time, dead or not: telling would read the timer object, a
    /// cache miss per timer per level on the way down (measured: it made a wheel of a million random timers slower than
    /// the heap). Dead entries go when they reach a front, or in a purge.
    /// </summary>
    private void Reinsert(TimerEntry entry, TimerKey key)
    {
        Count--;
        Add(entry, key);
    }

    private void ClearSlot(Level lv, int level, int slot)
    {
        lv.Occupied &= ~(1UL << slot);
        if (lv.Occupied == 0)
        {
            _occupiedLevels &= ~(1 << level);
        }
    }

    /// <summary>Takes a chunk from the free list, or makes one.</summary>
    private Chunk RentChunk()
    {
        if (_free is { } chunk)
        {
            _free = chunk.Next;
            chunk.Next = null;
            return chunk;
        }

        return new Chunk();
    }

    /// <summary>Puts an emptied (cleared) chunk on the free list.</summary>
    private void ReturnChunk(Chunk chunk)
    {
        chunk.Next = _free;
        _free = chunk;
    }

    /// <summary>A run of entries of one slot; a slot is a list of chunks, read at the head, appended at the tail.</summary>
    private sealed class Chunk
    {
        public readonly (TimerEntry Entry, TimerKey Key)[] Items = new (TimerEntry, TimerKey)[ChunkSize];

        public Chunk? Next;
    }

    /// <summary>One level: 64 slots and which of them hold entries.</summary>
    private sealed class Level(TimerWheel wheel)
    {
        private readonly Slot[] _slots = new Slot[1 << SlotBits];

        /// <summary>Bit <c>s</c> set while slot <c>s</c> holds an entry (dead ones included).</summary>
        public ulong Occupied { get; set; }

        public void Append(int slot, TimerEntry entry, TimerKey key)
        {
            ref var s = ref _slots[slot];
            if (s.Tail is null)
            {
                s.Head = s.Tail = wheel.RentChunk();
                s.HeadIndex = s.TailCount = 0;
            }
            else if (s.TailCount == ChunkSize)
            {
                var next = wheel.RentChunk();
                s.Tail.Next = next;
                s.Tail = next;
                s.TailCount = 0;
            }

            s.Tail.Items[s.TailCount++] = (entry, key);
            Occupied |= 1UL << slot;
        }

        public bool IsEmpty(int slot) => _slots[slot].Head is null;

        /// <summary>The front live entry's key; dead entries before it are dropped (and reported to the wheel).</summary>
        public bool TryPeekLive(int slot, out TimerKey key)
        {
            ref var s = ref _slots[slot];
            while (s.Head is not null)
            {
                var (entry, itemKey) = s.Head.Items[s.HeadIndex];
                if (!entry.IsDead(itemKey.Sequence))
                {
                    key = itemKey;
                    return true;
                }

                DropFront(ref s);
                wheel.DropDead(entry);
            }

            key = default;
            return false;
        }

        public (TimerEntry Entry, TimerKey Key) TakeFront(int slot)
        {
            ref var s = ref _slots[slot];
            var item = s.Head!.Items[s.HeadIndex];
            DropFront(ref s);
            return item;
        }

        /// <summary>The smallest live key in a slot, read only.</summary>
        public bool TryFindEarliestLive(int slot, out TimerKey key)
        {
            bool found = false;
            key = default;
            ref var s = ref _slots[slot];
            for (var chunk = s.Head; chunk is not null; chunk = chunk.Next)
            {
                int from = chunk == s.Head ? s.HeadIndex : 0;
                int to = chunk == s.Tail ? s.TailCount : ChunkSize;
                for (int i = from; i < to; i++)
                {
                    var (entry, itemKey) = chunk.Items[i];
                    if (!entry.IsDead(itemKey.Sequence) && (!found || itemKey.CompareTo(key) < 0))
                    {
                        key = itemKey;
                        found = true;
                    }
                }
            }

            return found;
        }

        /// <summary>Empties a slot and hands its entries, front to back, to the wheel to place again; its chunks go back to the free list.</summary>
        public void Drain(int slot)
        {
            ref var s = ref _slots[slot];
            var chunk = s.Head;
            int from = s.HeadIndex;
            var tail = s.Tail;
            int tailCount = s.TailCount;
            s = default;
            while (chunk is not null)
            {
                int to = chunk == tail ? tailCount : ChunkSize;
                var items = chunk.Items;
                for (int i = from; i < to; i++)
                {
                    var (entry, key) = items[i];
                    wheel.Reinsert(entry, key);
                }

                Array.Clear(items, from, to - from);
                var next = chunk.Next;
                wheel.ReturnChunk(chunk);
                chunk = next;
                from = 0;
            }
        }

        /// <summary>Keeps the live entries <paramref name="keep"/> accepts, in order; returns how many entries left.</summary>
        public int Compact(int slot, Func<TimerEntry, bool> keep, TimerQueue owner)
        {
            ref var s = ref _slots[slot];
            var chunk = s.Head;
            int from = s.HeadIndex;
            var tail = s.Tail;
            int tailCount = s.TailCount;
            s = default;
            int left = 0;
            while (chunk is not null)
            {
                int to = chunk == tail ? tailCount : ChunkSize;
                var items = chunk.Items;
                for (int i = from; i < to; i++)
                {
                    var (entry, key) = items[i];
                    if (entry.IsDead(key.Sequence))
                    {
                        owner.ForgetDead(entry, counted: false);
                        left++;
                    }
                    else if (keep(entry))
                    {
                        // Appending to the slot being read is safe: its new chunks come from the free list, never this one.
                        Append(slot, entry, key);
                    }
                    else
                    {
                        left++;
                    }
                }

                Array.Clear(items, from, to - from);
                var next = chunk.Next;
                wheel.ReturnChunk(chunk);
                chunk = next;
                from = 0;
            }

            if (_slots[slot].Head is null)
            {
                Occupied &= ~(1UL << slot);
            }

            return left;
        }

        private void DropFront(ref Slot s)
        {
            s.Head!.Items[s.HeadIndex++] = default;
            if (s.Head == s.Tail && s.HeadIndex == s.TailCount)
            {
                wheel.ReturnChunk(s.Head);
                s = default;
            }
            else if (s.HeadIndex == ChunkSize)
            {
                var next = s.Head.Next!;
                wheel.ReturnChunk(s.Head);
                s.Head = next;
                s.HeadIndex = 0;
            }
        }

        private struct Slot
        {
            public Chunk? Head;
            public Chunk? Tail;
            public int HeadIndex;
            public int TailCount;
        }
    }
}

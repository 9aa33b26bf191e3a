namespace Mailbox.Tests.Timers;

/// <summary>
/// The timer store against a reference model: random mixes of delays (in order, out of order, equal due times, due in the
/// past), cancels counted at once or later (as a cancel from another thread is, by message), clock steps and jumps of days,
/// periodic timers put back after they fire, and timers set while a pass fires. After every step the store must agree
/// with a sorted set of the live timers: the same timers fire, in (due, scheduling order), the count and the earliest due
/// time are exact, and the wake-up time is never after the earliest due time.
/// </summary>
public sealed class TimerStoreModelTests
{
    private static readonly Action s_noop = static () => { };

    public static TheoryData<int> Seeds => [1, 2, 3, 4, 5, 6, 7, 8];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void RandomOperations_FireExactlyWhatTheModelFires_InItsOrder(int seed)
    {
        var random = new Random(seed);
        var queue = new TimerQueue();
        var model = new SortedSet<(long Due, long Sequence)>();
        var byHandle = new Dictionary<TimerHandle, (long Due, long Sequence)>();
        var live = new List<TimerHandle>();
        var uncounted = new List<TimerHandle>(); // cancelled "on another thread", counted out later
        long now = 1_000_000;
        long fired = 0;

        for (int step = 0; step < 4_000; step++)
        {
            int op = random.Next(100);
            if (op < 55)
            {
                // A burst of timers: mostly short random delays, some equal due times, some far, some in the past.
                int burst = random.Next(1, 40);
                long sharedDue = now + random.Next(0, 5_000);
                for (int i = 0; i < burst; i++)
                {
                    long due = random.Next(10) switch
                    {
                        0 => sharedDue,
                        1 => now - random.Next(0, 10_000),
                        2 => now + random.NextInt64(0, TimeSpan.TicksPerDay * 3),
                        _ => now + random.Next(0, 1_000_000),
                    };
                    Add(queue, model, byHandle, live, Math.Max(due, 0));
                }
            }
            else if (op < 70 && live.Count > 0)
            {
                // Cancel a few: counted at once (on the loop) or later (a cancel from another thread, its message in flight).
                for (int i = random.Next(1, 20); i > 0 && live.Count > 0; i--)
                {
                    int at = random.Next(live.Count);
                    var handle = live[at];
                    live[at] = live[^1];
                    live.RemoveAt(live.Count - 1);
                    Assert.True(handle.CancelForStop());
                    model.Remove(byHandle[handle]);
                    if (random.Next(2) == 0)
                    {
                        CountOut(queue, handle);
                    }
                    else
                    {
                        uncounted.Add(handle);
                    }
                }
            }
            else if (op < 75)
            {
                foreach (var handle in uncounted)
                {
                    CountOut(queue, handle);
                }

                uncounted.Clear();
            }
            else
            {
                // A pass: the clock steps a little, a lot, or by days; timers set during the pass wait for the next one,
                // and a periodic timer is put back one period after its due time.
                now += random.Next(4) switch
                {
                    0 => 0,
                    1 => random.Next(1, 100),
                    2 => random.Next(100, 2_000_000),
                    _ => random.NextInt64(TimeSpan.TicksPerHour, TimeSpan.TicksPerDay * 4),
                };
                long limit = queue.NextSequence;
                while (queue.TryDequeueDue(now, limit, out var entry, out long due))
                {
                    var handle = (TimerHandle)entry.Timer;
                    var expected = model.Min;
                    Assert.True(expected.Due <= now && expected.Sequence < limit, $"fired {due} at {now}, model had nothing due");
                    Assert.Equal(expected, byHandle[handle]);
                    Assert.Equal(expected.Due, due);
                    model.Remove(expected);
                    live.Remove(handle);
                    handle.InQueue = false;
                    fired++;
                    switch (random.Next(8))
                    {
                        case 0: // zero delay from the callback
                            Add(queue, model, byHandle, live, now);
                            break;
                        case 1: // periodic, as the loop puts it back: one period on, or the first slot after the clock if it fell behind
                            long period = random.Next(1, 50_000);
                            long next = due + period;
                            Add(queue, model, byHandle, live, next > now ? next : due + ((((now - due) / period) + 1) * period));
                            break;
                    }
                }

                var left = model.GetViewBetween((long.MinValue, long.MinValue), (now, limit - 1));
                Assert.True(left.Count == 0, $"{left.Count} timers due at {now} and set before the pass were left unfired");
            }

            AssertAgrees(queue, model, uncounted.Count(h => h.InQueue));
        }

        Assert.True(fired > 10_000, $"only {fired} timers fired: the test did not exercise the store");
    }

    [Fact]
    public void JumpOfYears_FiresEverythingDue_InOrder_WithTheWheel()
    {
        var queue = new TimerQueue();
        var random = new Random(11);
        var expected = new List<(long Due, TimerHandle Handle)>();
        long start = DateTimeOffset.UnixEpoch.UtcTicks;
        Add(queue, start + TimeSpan.TicksPerDay * 365 * 20); // in the run: the rest sort before it
        for (int i = 0; i < TimerQueue.WheelAt * 8; i++)
        {
            long due = start + random.NextInt64(0, TimeSpan.TicksPerDay * 365 * 10);
            expected.Add((due, Add(queue, due)));
        }

        var order = expected.Select((e, i) => (e, i)).OrderBy(x => x.e.Due).ThenBy(x => x.i).Select(x => x.e.Handle).ToList();
        var actual = new List<TimerHandle>();
        long jumpTo = start + TimeSpan.TicksPerDay * 365 * 15;
        long limit = queue.NextSequence;
        while (queue.TryDequeueDue(jumpTo, limit, out var entry, out _))
        {
            actual.Add((TimerHandle)entry.Timer);
        }

        Assert.Equal(order, actual);
        Assert.Equal(1, queue.Count);
        Assert.True(queue.TryPeekDue(out long next));
        Assert.Equal(start + TimeSpan.TicksPerDay * 365 * 20, next);
    }

    [Fact]
    public void EqualDueTimes_SetBeforeAndAfterACascade_FireInSchedulingOrder()
    {
        var queue = new TimerQueue();
        const long due = 10_000_000;
        Assert.False(queue.TryDequeueDue(0, queue.NextSequence, out _, out _)); // the clock at 0: a wheel will start there
        Add(queue, due * 2); // the run's tail: every later timer is out of order
        var first = Enumerable.Range(0, TimerQueue.WheelAt).Select(i => Add(queue, due - i)).ToList(); // heap, then wheel
        var alsoEarly = Add(queue, due);

        // The clock gets close to the shared due time, so the slot holding it cascades; then more timers at that time arrive.
        while (queue.TryDequeueDue(due - 100, queue.NextSequence, out _, out _))
        {
        }

        var late = Enumerable.Range(0, 5).Select(_ => Add(queue, due)).ToList();
        var order = new List<TimerHandle>();
        while (queue.TryDequeueDue(due, queue.NextSequence, out var entry, out long entryDue))
        {
            if (entryDue == due)
            {
                order.Add((TimerHandle)entry.Timer);
            }
        }

        Assert.Equal([first[0], alsoEarly, .. late], order);
    }

    [Fact]
    public void TimersOfTheNextBlock_SetBeforeAndAfterTheClockEntersIt_FireInKeyOrder()
    {
        // The wheel's lowest slots span 2^10 ticks, 256 of them a block of 2^18. Timers due in the next block sit a level
        // up; when the clock opens the last slot of this block it enters that one, and timers set from then on in it go
        // lower — they must still fire after the older ones due as early or earlier, before the later ones.
        const long block = TimerWheel.BottomWidth * 256;
        var queue = new TimerQueue();
        Assert.False(queue.TryDequeueDue(block, queue.NextSequence, out _, out _)); // a wheel will start in block 1
        Add(queue, block * 10); // the run's tail: every later timer is out of order
        for (int i = 0; i < TimerQueue.WheelAt; i++)
        {
            Add(queue, block + 1000 + i); // heap, then wheel: block 1
        }

        var lastOfBlock = Add(queue, (2 * block) - 1);
        var older = Add(queue, (2 * block) + 500); // block 2, a level up
        var olderLater = Add(queue, (2 * block) + 900);
        while (queue.TryDequeueDue((2 * block) - 1, queue.NextSequence, out var entry, out _) && entry.Timer != lastOfBlock)
        {
        }

        // The clock is in block 2 now (the last slot of block 1 opened); these go below the older ones' level.
        var sameDue = Add(queue, (2 * block) + 500);
        var earlier = Add(queue, (2 * block) + 100);
        var between = Add(queue, (2 * block) + 700);
        var order = new List<TimerHandle>();
        while (queue.TryDequeueDue(3 * block, queue.NextSequence, out var entry, out _))
        {
            order.Add((TimerHandle)entry.Timer);
        }

        Assert.Equal([earlier, older, sameDue, between, olderLater], order);
    }

    [Fact]
    public void WakeUp_ForATimerInALowestSlot_IsItsDueTime_NotTheSlotsStart()
    {
        // A loop on a real clock arms its wake-up for this: the slot's start would wake it up to 1,023 ticks early, only
        // to open the slot and arm again.
        var queue = new TimerQueue();
        const long now = 10 * TimerWheel.BottomWidth;
        Assert.False(queue.TryDequeueDue(now, queue.NextSequence, out _, out _));
        Add(queue, now + (200 * TimerWheel.BottomWidth)); // the run's tail: every later timer is out of order
        for (int i = 0; i < TimerQueue.WheelAt; i++)
        {
            Add(queue, now + (100 * TimerWheel.BottomWidth) - i); // heap, then wheel
        }

        long earliest = now + (3 * TimerWheel.BottomWidth) + 777;
        Add(queue, earliest + 5);
        Add(queue, earliest);
        Assert.True(queue.TryPeekWakeDue(out long wake));
        Assert.Equal(earliest, wake);
        Assert.True(queue.TryPeekDue(out long due));
        Assert.Equal(earliest, due);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void AFullSlot_FiresInKeyOrder_EqualDueTimesInSchedulingOrder(int seed)
    {
        // An opened slot of a few hundred entries or more is sorted by counting, not by comparing keys. The timers that
        // move from the heap to the wheel arrive there in the heap's array order, not in scheduling order: among them a
        // few hundred share one due time, and must still fire in the order they were set.
        var random = new Random(seed);
        var queue = new TimerQueue();
        long slot = 40 * TimerWheel.BottomWidth;
        Assert.False(queue.TryDequeueDue(0, queue.NextSequence, out _, out _)); // a wheel will start at 0
        var model = new List<(long Due, long Sequence, TimerHandle Handle)>();
        void AddTo(long due)
        {
            long sequence = queue.NextSequence;
            model.Add((due, sequence, Add(queue, due)));
        }

        AddTo(slot * 4); // the run's tail: every later timer is out of order
        long shared = slot + 321;
        for (int i = 0; i < 2 * TimerQueue.WheelAt; i++)
        {
            AddTo(random.Next(3) == 0 ? shared : slot + random.Next((int)TimerWheel.BottomWidth)); // heap, then wheel
        }

        for (int i = 0; i < 3_000; i++)
        {
            AddTo(random.Next(4) == 0 ? shared : slot - TimerWheel.BottomWidth + random.Next(3 * (int)TimerWheel.BottomWidth));
        }

        var fired = new List<TimerHandle>();
        while (queue.TryDequeueDue(slot * 3, queue.NextSequence, out var entry, out _))
        {
            fired.Add((TimerHandle)entry.Timer);
        }

        // The next block's timers sit a level up until the clock enters it; a few hundred more of one due time set after
        // that cascade go to the same lowest slot directly, and must fire after the older ones.
        const long block = TimerWheel.BottomWidth * 256;
        long later = block + (7 * TimerWheel.BottomWidth) + 99;
        for (int i = 0; i < 600; i++)
        {
            AddTo(random.Next(2) == 0 ? later : block + (7 * TimerWheel.BottomWidth) + random.Next((int)TimerWheel.BottomWidth));
        }

        while (queue.TryDequeueDue(block + 1, queue.NextSequence, out var entry, out _))
        {
            fired.Add((TimerHandle)entry.Timer);
        }

        for (int i = 0; i < 300; i++)
        {
            AddTo(later);
        }

        while (queue.TryDequeueDue(2 * block, queue.NextSequence, out var entry, out _))
        {
            fired.Add((TimerHandle)entry.Timer);
        }

        Assert.Equal(model.OrderBy(t => t.Due).ThenBy(t => t.Sequence).Select(t => t.Handle), fired);
    }

    private static TimerHandle Add(TimerQueue queue, long due)
    {
        var handle = new TimerHandle(null!, s_noop, 0) { InQueue = true };
        queue.Add(new TimerEntry(handle), due);
        return handle;
    }

    private static void Add(TimerQueue queue, SortedSet<(long, long)> model, Dictionary<TimerHandle, (long, long)> byHandle, List<TimerHandle> live, long due)
    {
        long sequence = queue.NextSequence;
        var handle = Add(queue, due);
        model.Add((due, sequence));
        byHandle[handle] = (due, sequence);
        live.Add(handle);
    }

    /// <summary>What the loop does when a handle is cancelled while in the queue.</summary>
    private static void CountOut(TimerQueue queue, TimerHandle handle)
    {
        if (handle.InQueue)
        {
            handle.InQueue = false;
            queue.NoteDead();
        }
    }

    /// <param name="inFlight">Cancelled handles whose count-out has not reached the loop and whose entry no front has dropped yet: still counted, as the loop counts them.</param>
    private static void AssertAgrees(TimerQueue queue, SortedSet<(long Due, long Sequence)> model, int inFlight)
    {
        Assert.Equal(model.Count + inFlight, queue.Count);
        Assert.Equal(model.Count > 0, queue.TryPeekDue(out long due));
        bool hasWake = queue.TryPeekWakeDue(out long wake); // may be true for dead entries alone: that wake-up drops them
        if (model.Count > 0)
        {
            Assert.True(hasWake);
            Assert.Equal(model.Min.Due, due);
            Assert.True(wake <= due, $"wake-up at {wake} after the earliest due time {due}");
        }
    }
}

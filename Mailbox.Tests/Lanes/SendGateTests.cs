namespace Mailbox.Tests.Lanes;

/// <summary>
/// The data lane's acceptance point on its own, in both shapes (one counter for a grouped loop, stripes for a dedicated
/// one): every entry before the close is accepted and counted, every entry after it is refused and not counted, and the
/// total the close fixes is the exact number accepted.
/// </summary>
public sealed class SendGateTests
{
    public static TheoryData<int> Shapes => new() { 1, SendGate.DedicatedStripes };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TryEnter_Open_AcceptsAndCountsEachEntry(int stripes)
    {
        var gate = new SendGate(stripes);
        Assert.Equal(stripes == 1, gate.IsSingle);
        Assert.False(gate.IsClosed);
        Assert.Equal(0, gate.Accepted);

        for (int i = 0; i < 5; i++)
        {
            Assert.True(gate.TryEnter());
        }

        Assert.Equal(5, gate.Accepted);
        Assert.False(gate.IsClosed);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Close_AfterEntries_FixesTheTotalAndRefusesEveryLaterEntry(int stripes)
    {
        var gate = new SendGate(stripes);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(gate.TryEnter());
        }

        Assert.True(gate.Close());

        Assert.True(gate.IsClosed);
        Assert.Equal(3, gate.Accepted);
        Assert.False(gate.TryEnter());
        Assert.False(gate.TryEnter());
        Assert.Equal(3, gate.Accepted); // refused entries bump the counter past the closed bit, never the total
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Close_Twice_OnlyTheFirstClosesAndTheTotalStays(int stripes)
    {
        var gate = new SendGate(stripes);
        Assert.True(gate.TryEnter());
        Assert.True(gate.Close());
        Assert.False(gate.TryEnter());

        Assert.False(gate.Close());

        Assert.True(gate.IsClosed);
        Assert.Equal(1, gate.Accepted);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Close_NothingEntered_TotalIsZero(int stripes)
    {
        var gate = new SendGate(stripes);

        Assert.True(gate.Close());

        Assert.Equal(0, gate.Accepted);
        Assert.False(gate.TryEnter());
        Assert.Equal(0, gate.Accepted);
    }

    [Fact]
    public async Task Accepted_EntriesFromManyThreads_SumsEveryStripe()
    {
        const int Threads = 8, PerThread = 1_000;
        var holder = new GateHolder(SendGate.DedicatedStripes);
        using var start = new Barrier(Threads);
        var senders = OnThreadsOfTheirOwn(Threads, _ =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(10));
            for (int i = 0; i < PerThread; i++)
            {
                Assert.True(holder.Gate.TryEnter());
            }
        });
        await Task.WhenAll(senders).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(Threads * PerThread, holder.Gate.Accepted);
        Assert.True(holder.Gate.Close());
        Assert.Equal(Threads * PerThread, holder.Gate.Accepted);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Close_Twice_NothingEntered_OnlyTheFirstCloses(int stripes)
    {
        var gate = new SendGate(stripes);

        Assert.True(gate.Close());
        Assert.True(gate.IsClosed); // a total of 0 is a closed gate's total too

        Assert.False(gate.Close());
        Assert.Equal(0, gate.Accepted);
    }

    [Fact]
    public async Task GroupedGate_SendersThatCollide_TakeStripes_AndCountEveryEntry()
    {
        // Four senders on two cores, 200,000 entries each: their CASes on the one counter collide (a sender preempted
        // between its read and its CAS is enough), and the first collision makes the gate take stripes.
        const int Senders = 4, PerSender = 200_000;
        var holder = new GateHolder(1);
        using var start = new Barrier(Senders);
        var senders = OnThreadsOfTheirOwn(Senders, _ =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(10));
            for (int i = 0; i < PerSender; i++)
            {
                Assert.True(holder.Gate.TryEnter());
            }
        });
        await Task.WhenAll(senders).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(holder.Gate.IsSingle);
        Assert.Equal(Senders * PerSender, holder.Gate.Accepted);
        Assert.True(holder.Gate.Close());
        Assert.Equal(Senders * PerSender, holder.Gate.Accepted);
    }

    [Fact]
    public void TakeStripes_AGroupedGateWithEntries_KeepsItsCountAndTakesLaterEntriesOnStripes()
    {
        var gate = new SendGate(1);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(gate.TryEnter());
        }

        gate.TakeStripes(); // what two senders meeting on the one counter do

        Assert.False(gate.IsSingle);
        Assert.Equal(3, gate.Accepted);
        Assert.True(gate.TryEnter());
        Assert.True(gate.TryEnter());
        Assert.Equal(5, gate.Accepted);
        Assert.True(gate.Close());
        Assert.Equal(5, gate.Accepted);
        Assert.False(gate.TryEnter());
        Assert.Equal(5, gate.Accepted);
    }

    [Fact]
    public void TakeStripes_AfterClose_TakesNone_AndTheGateStaysClosed()
    {
        var gate = new SendGate(1);
        Assert.True(gate.TryEnter());
        Assert.True(gate.Close());

        gate.TakeStripes(); // a sender that lost the race to the closer

        Assert.True(gate.IsSingle);
        Assert.False(gate.TryEnter());
        Assert.Equal(1, gate.Accepted);
    }

    [Fact]
    public async Task GroupedGate_SendersMeetingOnItWhileItCloses_AcceptExactlyWhatTheCloseCounts()
    {
        // Four senders on a one-counter gate: their CASes collide, so the gate takes stripes mid-stream, and a close lands
        // somewhere in it. Whatever the interleaving, the entries that were told "accepted" are the total the close fixed.
        const int Senders = 4, Cap = 200_000;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            var holder = new GateHolder(1);
            var accepted = new long[Senders];
            using var start = new Barrier(Senders + 1);
            var senders = OnThreadsOfTheirOwn(Senders, s =>
            {
                start.SignalAndWait(TimeSpan.FromSeconds(10));
                for (int i = 0; i < Cap && holder.Gate.TryEnter(); i++)
                {
                    accepted[s]++;
                }
            });
            start.SignalAndWait(TimeSpan.FromSeconds(10));
            while (holder.Gate.Accepted < 10_000 * (attempt + 1) && !senders.All(t => t.IsCompleted))
            {
                Thread.SpinWait(100);
            }

            Assert.True(holder.Gate.Close());
            await Task.WhenAll(senders).WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(accepted.Sum(), holder.Gate.Accepted);
            Assert.False(holder.Gate.TryEnter());
        }
    }

    [Fact]
    public void DedicatedStripes_IsAPowerOfTwoBetweenEightAndSixtyFour()
    {
        int stripes = SendGate.DedicatedStripes;
        Assert.InRange(stripes, 8, 64);
        Assert.Equal(0, stripes & (stripes - 1));
        Assert.True(stripes >= Math.Min(Environment.ProcessorCount * 2, 64));
    }

    /// <summary>Runs <paramref name="body"/> once on each of <paramref name="count"/> threads of its own (so that the entries land on several stripes, and collide).</summary>
    private static Task[] OnThreadsOfTheirOwn(int count, Action<int> body) =>
        [.. Enumerable.Range(0, count).Select(n => Task.Factory.StartNew(() => body(n), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))];

    /// <summary>A gate held in place in an object, as a loop holds its own: the struct is shared by the threads, never copied.</summary>
    private sealed class GateHolder(int stripes)
    {
        public SendGate Gate = new(stripes);
    }
}

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
        var senders = Enumerable.Range(0, Threads).Select(_ => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait(TimeSpan.FromSeconds(10));
                for (int i = 0; i < PerThread; i++)
                {
                    Assert.True(holder.Gate.TryEnter());
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning, // a thread each, so that the entries land on several stripes
            TaskScheduler.Default)).ToArray();
        await Task.WhenAll(senders).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(Threads * PerThread, holder.Gate.Accepted);
        Assert.True(holder.Gate.Close());
        Assert.Equal(Threads * PerThread, holder.Gate.Accepted);
    }

    [Fact]
    public void DedicatedStripes_IsAPowerOfTwoBetweenEightAndSixtyFour()
    {
        int stripes = SendGate.DedicatedStripes;
        Assert.InRange(stripes, 8, 64);
        Assert.Equal(0, stripes & (stripes - 1));
        Assert.True(stripes >= Math.Min(Environment.ProcessorCount * 2, 64));
    }

    /// <summary>A gate held in place in an object, as a loop holds its own: the struct is shared by the threads, never copied.</summary>
    private sealed class GateHolder(int stripes)
    {
        public SendGate Gate = new(stripes);
    }
}

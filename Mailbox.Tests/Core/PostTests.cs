using Xunit.Abstractions;

namespace Mailbox.Tests.Core;

public abstract class PostTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    [Trait("Category", "Stress")]
    public async Task Post_FourConcurrentSenders_EachSendersMessagesRunInOrder()
    {
        const int Senders = 4;
        const int PerSender = 100_000;
        await using var loop = Spawn();
        var next = new int[Senders];        // loop-owned: the next number expected from each sender
        int outOfOrder = 0;                 // loop-owned
        int loopThreadViolations = 0;
        int loopThread = await loop.RunAsync(() => Task.FromResult(Environment.CurrentManagedThreadId));

        var senders = Enumerable.Range(0, Senders).Select(s => Task.Factory.StartNew(() =>
        {
            for (int i = 0; i < PerSender; i++)
            {
                loop.Post(static m =>
                {
                    var (state, sender, n) = m;
                    if (state.next[sender] != n) state.bad();
                    state.next[sender] = n + 1;
                }, ((next, bad: (Action)Bad), s, i));
            }
        }, TaskCreationOptions.LongRunning)).ToArray();

        void Bad()
        {
            outOfOrder++;
            if (Environment.CurrentManagedThreadId != loopThread) Interlocked.Increment(ref loopThreadViolations);
        }

        await WithinAsync(Task.WhenAll(senders));
        var report = await WithinAsync(loop.StopAsync());
        Assert.Equal(0, outOfOrder);
        Assert.Equal(0, loopThreadViolations);
        Assert.All(next, n => Assert.Equal(PerSender, n));
        Assert.Equal((Senders * PerSender) + 1, report.Executed);
        Assert.Equal(0, report.Discarded);
    }

    [Fact]
    public async Task PostOfTState_ValueAndReferenceState_ArriveIntact()
    {
        await using var loop = Spawn();
        var probe = CreateTestProbe();
        loop.Post(static x => x.probe.Tell(x.value), (probe, value: 12345L));
        loop.Post(static p => p.Tell(3.5), probe);
        loop.Post(static g => Assert.NotEqual(Guid.Empty, g), Guid.NewGuid());
        loop.Post(static s => s.Item1.Tell(s.Item2), (probe, "big struct", 1m, Guid.NewGuid()));
        loop.Post(static v => PostOfTStateProbe.Last = v, 0x1122334455667788UL);
        loop.Post(static p => p.Tell(PostOfTStateProbe.Last), probe);
        await probe.ExpectMsgAsync(12345L, Patience);
        await probe.ExpectMsgAsync(3.5, Patience);
        await probe.ExpectMsgAsync("big struct", Patience);
        await probe.ExpectMsgAsync(0x1122334455667788UL, Patience);
        Assert.Equal(6, (await loop.StopAsync()).Executed);
    }

    [Fact]
    public async Task PostAsync_Unbounded_CompletesAtOnceAndRuns()
    {
        await using var loop = Spawn();
        var probe = CreateTestProbe();
        var sent = loop.PostAsync(() => probe.Tell("ran"));
        Assert.True(sent.IsCompletedSuccessfully);
        await probe.ExpectMsgAsync("ran", Patience);
    }

    [Fact]
    public async Task TryPost_Running_ReturnsTrueAndRuns()
    {
        await using var loop = Spawn();
        var probe = CreateTestProbe();
        Assert.True(loop.TryPost(() => probe.Tell("ran")));
        await probe.ExpectMsgAsync("ran", Patience);
    }

    private static class PostOfTStateProbe
    {
        public static ulong Last;
    }
}

/// <summary><see cref="PostTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class PostTests_Dedicated(ITestOutputHelper output) : PostTests(output)
{
    /// <summary>Dedicated only: its point is the loop's own thread, which a grouped loop does not have.</summary>
    [Fact]
    public async Task Spawn_Thread_IsNamedAfterTheLoopAndIsBackground()
    {
        await using var loop = Spawn(name: "orders");
        var (name, background) = await loop.RunAsync(() => Task.FromResult((Thread.CurrentThread.Name, Thread.CurrentThread.IsBackground)));
        Assert.Contains("orders", name, StringComparison.Ordinal);
        Assert.True(background);
        Assert.Equal("orders", loop.Name);
    }
}

/// <summary><see cref="PostTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class PostTests_Grouped(ITestOutputHelper output) : PostTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;

    /// <summary>The grouped reading of the dedicated leaf's thread test: the thread is the group's (background by default), the name is the loop's.</summary>
    [Fact]
    public async Task Spawn_GroupThread_IsBackgroundAndTheLoopKeepsItsName()
    {
        await using var loop = Spawn(name: "orders");
        bool background = await loop.RunAsync(() => Task.FromResult(Thread.CurrentThread.IsBackground));
        Assert.True(background);
        Assert.Equal("orders", loop.Name);
    }
}

using Mailbox.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Groups;

/// <summary>
/// Timers of grouped loops: each loop keeps its own clock, a <see cref="FakeTimeProvider"/> drives them exactly as it
/// drives a dedicated loop's (the Timers area's _Grouped leaves run the rest), and what a thread arms with a provider
/// does not grow with the number of its loops.
/// </summary>
public sealed class GroupTimerTests(ITestOutputHelper output) : GroupTestKit(output)
{
    private const int Loops = 1_000;

    private static readonly TimeSpan OneMinute = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task CallLater_ThousandLoopsOfOneGroup_AllFireAfterOneAdvanceEachOnItsOwnLoop()
    {
        var fake = new FakeTimeProvider();
        var clock = new CountingTimeProvider(fake);
        await using var group = CreateGroup(threads: 2);
        var loops = Enumerable.Range(0, Loops).Select(i => group.Spawn($"timed {i}", new LoopOptions { TimeProvider = clock })).ToArray();
        var firedOn = new LoopActor?[Loops];
        int fired = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handles = new TimerHandle[Loops];
        for (int i = 0; i < Loops; i++)
        {
            int n = i;
            handles[i] = loops[i].CallLater(OneMinute, () =>
            {
                firedOn[n] = LoopActor.Current;
                if (Interlocked.Increment(ref fired) == Loops)
                {
                    all.SetResult();
                }
            });
        }

        var pending = await WithinAsync(Task.WhenAll(loops.Select(l => l.QueryPendingAsync())));
        Assert.All(pending, p => Assert.Equal(1, p.PendingTimers));
        Assert.All(pending, p => Assert.Equal(fake.GetUtcNow() + OneMinute, p.NextTimerDue));
        Output.WriteLine($"provider timers live with {Loops} pending loop timers on {group.ThreadCount} threads: {clock.Live} (created {clock.Created})");
        Assert.True(clock.Live <= group.ThreadCount, $"{clock.Live} provider timers live for {Loops} loops on {group.ThreadCount} threads: one per loop?");

        // Not a tick early.
        fake.Advance(OneMinute - TimeSpan.FromTicks(1));
        Assert.Equal(0, (await WithinAsync(Task.WhenAll(loops.Select(l => l.RunAsync(() => Task.FromResult(Volatile.Read(ref fired))))))).Max());
        Assert.All(handles, h => Assert.False(h.HasFired));

        fake.Advance(TimeSpan.FromTicks(1)); // one Advance: all of them are due
        await WithinAsync(all.Task);
        for (int i = 0; i < Loops; i++)
        {
            Assert.Same(loops[i], firedOn[i]);
            Assert.True(handles[i].HasFired);
        }

        var report = await WithinAsync(group.StopAsync());
        Assert.Equal(0, report.CancelledTimers);
    }

    [Fact]
    public async Task CallLater_TwoSiblingsOnTheSameThreadWithTheirOwnClocks_EachFiresOnItsOwnClockOnly()
    {
        var clockA = new FakeTimeProvider();
        var clockB = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var group = CreateGroup(threads: 1);
        var a = group.Spawn("a", new LoopOptions { TimeProvider = clockA });
        var b = group.Spawn("b", new LoopOptions { TimeProvider = clockB });
        a.CallLater(OneMinute, () => probe.Tell(("a", LoopActor.Current == a)));
        b.CallLater(OneMinute, () => probe.Tell(("b", LoopActor.Current == b)));
        await WithinAsync(Task.WhenAll(a.QueryPendingAsync(), b.QueryPendingAsync()));

        clockA.Advance(OneMinute);
        await probe.ExpectMsgAsync(("a", true), Patience);
        await probe.ExpectNoMsgAsync(Quiet);
        Assert.Equal(1, (await WithinAsync(b.QueryPendingAsync())).PendingTimers);

        clockB.Advance(OneMinute);
        await probe.ExpectMsgAsync(("b", true), Patience);
        Assert.Equal(0, (await WithinAsync(a.QueryPendingAsync())).PendingTimers);
        Assert.Equal(0, (await WithinAsync(b.QueryPendingAsync())).PendingTimers);
    }

    [Fact]
    public async Task Delay_SiblingsWaitingOnOneClock_ResumeInDueOrderOnTheirOwnLoops()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var group = CreateGroup(threads: 1);
        var loops = Enumerable.Range(0, 5).Select(i => group.Spawn($"sleeper {i}", new LoopOptions { TimeProvider = fake })).ToArray();

        // Loop i waits 5 - i seconds: the last spawned wakes first.
        var waits = loops.Select((loop, i) => loop.RunAsync(async () =>
        {
            var delay = LoopActor.Delay(TimeSpan.FromSeconds(5 - i));
            probe.Tell($"armed {i}");
            await delay;
            probe.Tell((i, LoopActor.Current == loop));
        })).ToArray();
        for (int i = 0; i < loops.Length; i++)
        {
            await probe.ExpectMsgAsync($"armed {i}", Patience);
        }

        for (int second = 1; second <= 5; second++)
        {
            fake.Advance(TimeSpan.FromSeconds(1));
            await probe.ExpectMsgAsync((5 - second, true), Patience);
            await probe.ExpectNoMsgAsync(Quiet);
        }

        await WithinAsync(Task.WhenAll(waits));
    }
}

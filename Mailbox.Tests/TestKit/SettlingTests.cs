using Xunit.Abstractions;
using Xunit.Sdk;

namespace Mailbox.Tests.TestKit;

/// <summary>
/// The kit's virtual time: <see cref="LoopTestKit.AdvanceAsync"/>, <see cref="LoopTestKit.RunUntilIdleAsync"/> and
/// <see cref="LoopTestKit.AdvanceUntilNoTimersAsync"/> return only once the loops have run what was due. The asserts
/// right after them are plain reads of loop-written state: the settling's query round trip orders them after the
/// loop's writes, so no probe and no quiet window is needed — and a timer that fires late is caught exactly.
/// </summary>
public abstract class SettlingTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private static readonly TimeSpan OneMinute = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task AdvanceAsync_TimerSetJustBefore_HasFiredWhenItReturnsWithNoQueryFirst()
    {
        var loop = Spawn();
        int fired = 0;
        loop.CallLater(OneMinute, () => fired++);

        await AdvanceAsync(OneMinute);

        Assert.Equal(1, Volatile.Read(ref fired));
    }

    [Fact]
    public async Task AdvanceAsync_TimerOneTickLate_HasNotFiredUntilTheTickPasses()
    {
        var loop = Spawn();
        int fired = 0;
        loop.CallLater(OneMinute + TimeSpan.FromTicks(1), () => fired++); // the late timer a wrong system under test would set

        await AdvanceAsync(OneMinute);
        Assert.Equal(0, Volatile.Read(ref fired));
        await AdvanceAsync(TimeSpan.FromTicks(1));
        Assert.Equal(1, Volatile.Read(ref fired));
    }

    [Fact]
    public async Task AdvanceAsync_OverSeveralTimers_EachCallbackSeesItsOwnDueTime()
    {
        var loop = Spawn();
        var start = Clock.GetUtcNow();
        var seen = new List<TimeSpan>(); // loop-owned until the advance has settled
        loop.CallLater(2 * OneMinute, () => seen.Add(Clock.GetUtcNow() - start));
        loop.CallLater(OneMinute, () => seen.Add(Clock.GetUtcNow() - start));
        loop.CallEvery(TimeSpan.FromSeconds(45), () => seen.Add(Clock.GetUtcNow() - start));

        await AdvanceAsync(2 * OneMinute);

        Assert.Equal([TimeSpan.FromSeconds(45), OneMinute, TimeSpan.FromSeconds(90), 2 * OneMinute], await loop.RunAsync(() => Task.FromResult(seen.ToArray())));
        Assert.Equal(start + (2 * OneMinute), Clock.GetUtcNow());
    }

    [Fact]
    public async Task AdvanceAsync_TimerSetByACallbackDuringTheAdvance_FiresWithinIt()
    {
        var loop = Spawn();
        var start = Clock.GetUtcNow();
        DateTimeOffset? second = null;
        loop.CallLater(OneMinute, () => loop.CallLater(OneMinute, () => second = Clock.GetUtcNow()));

        await AdvanceAsync(2 * OneMinute);

        Assert.Equal(start + (2 * OneMinute), second);
    }

    [Fact]
    public async Task AdvanceAsync_WorkTheFiringQueued_HasAllRunWhenItReturns()
    {
        var loop = Spawn();
        int hops = 0;
        void Hop()
        {
            if (++hops < 1_000)
            {
                loop.Post(Hop); // each hop queues the next on the data lane, behind whatever the queries overtake
            }
        }

        loop.CallLater(OneMinute, Hop);
        var coroutine = loop.RunAsync(async () =>
        {
            await LoopActor.Delay(OneMinute);
            for (int i = 0; i < 100; i++)
            {
                await LoopActor.Yield();
            }

            return Clock.GetUtcNow();
        });

        await AdvanceAsync(OneMinute);

        Assert.Equal(1_000, Volatile.Read(ref hops));
        Assert.True(coroutine.IsCompletedSuccessfully);
        Assert.Equal(Clock.GetUtcNow(), await coroutine);
    }

    [Fact]
    public async Task AdvanceAsync_TwoLoopsFeedingEachOther_SettlesBoth()
    {
        var ping = Spawn(name: "ping");
        var pong = Spawn(name: "pong");
        int pings = 0, pongs = 0;
        void Ping()
        {
            if (++pings < 50)
            {
                pong.Post(Pong);
            }
        }

        void Pong()
        {
            pongs++;
            ping.Post(Ping);
        }

        ping.CallLater(OneMinute, Ping);

        await AdvanceAsync(OneMinute);

        Assert.Equal(50, Volatile.Read(ref pings));
        Assert.Equal(49, Volatile.Read(ref pongs));
    }

    [Fact]
    public async Task AdvanceAsync_FromALoopsThread_ThrowsAClearError()
    {
        var loop = Spawn();
        var error = await loop.RunAsync(() => Assert.ThrowsAsync<InvalidOperationException>(() => AdvanceAsync(OneMinute)));
        Assert.Contains("cannot wait for itself", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => AdvanceAsync(TimeSpan.FromTicks(-1)));
    }

    [Fact]
    public async Task RunUntilIdleAsync_PostedWorkAndCoroutineSteps_HaveAllRunAndTheClockStays()
    {
        var loop = Spawn();
        var start = Clock.GetUtcNow();
        int posts = 0;
        for (int i = 0; i < 10_000; i++)
        {
            loop.Post(() => posts++);
        }

        var steps = loop.RunAsync(async () =>
        {
            for (int i = 0; i < 1_000; i++)
            {
                await LoopActor.Yield();
            }
        });

        await RunUntilIdleAsync();

        Assert.Equal(10_000, Volatile.Read(ref posts));
        Assert.True(steps.IsCompletedSuccessfully);
        Assert.Equal(start, Clock.GetUtcNow());
    }

    [Fact]
    public async Task AdvanceUntilNoTimersAsync_CoroutineOfDelays_RunsToItsEndAndReturnsTheVirtualTimeTaken()
    {
        var loop = Spawn();
        var done = loop.RunAsync(async () =>
        {
            for (int i = 0; i < 3; i++)
            {
                await LoopActor.Delay(TimeSpan.FromSeconds(5));
            }
        });
        loop.CallLater(TimeSpan.FromSeconds(12), () => { });

        var took = await AdvanceUntilNoTimersAsync(TimeSpan.FromHours(1));

        Assert.Equal(TimeSpan.FromSeconds(15), took);
        Assert.True(done.IsCompletedSuccessfully);
        Assert.Equal(0, (await loop.QueryPendingAsync()).PendingTimers);
    }

    [Fact]
    public async Task AdvanceUntilNoTimersAsync_RepeatingTimer_FailsAtTheLimitWithThePendingWork()
    {
        var loop = Spawn();
        int ticks = 0;
        var handle = loop.CallEvery(TimeSpan.FromSeconds(1), () => ticks++);

        var failure = await Assert.ThrowsAsync<XunitException>(() => AdvanceUntilNoTimersAsync(TimeSpan.FromSeconds(10)));

        Assert.StartsWith(
            $"AdvanceUntilNoTimersAsync(00:00:10): a timer is still pending after 00:00:10 of virtual time (next due at +00:00:11); loop '{loop.Name}' (Running): PendingWork {{",
            failure.Message,
            StringComparison.Ordinal);
        Assert.Contains("PendingTimers = 1", failure.Message, StringComparison.Ordinal);
        Assert.Equal(10, Volatile.Read(ref ticks));
        Assert.True(handle.Cancel());
    }

    [Fact]
    public async Task HoldAsync_WorkSentWhileHeld_WaitsForTheOpenThenRuns()
    {
        var loop = Spawn();
        int ran = 0;
        var gate = await HoldAsync(loop);
        loop.Post(() => ran++);
        loop.CallLater(TimeSpan.Zero, () => ran++);
        Assert.False(loop.IsOnLoopThread);
        Assert.Equal(0, Volatile.Read(ref ran)); // the loop's thread is inside the gate: nothing else of it can run

        gate.Open();
        await RunUntilIdleAsync();

        Assert.Equal(2, Volatile.Read(ref ran));
    }

    [Fact]
    public async Task AssertOnLoopThread_OnTheLoopAndOffIt_PassesThenFails()
    {
        var loop = Spawn();
        await loop.RunAsync(() =>
        {
            AssertOnLoopThread(loop);
            return Task.CompletedTask;
        });

        // A wrong system under test: it hands the loop's work to the thread pool.
        var failure = await Assert.ThrowsAsync<XunitException>(() => Task.Run(() => AssertOnLoopThread(loop)));
        Assert.Contains($"expected to run on loop '{loop.Name}'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("no loop's work", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithinAsync_TaskThatNeverCompletes_FailsWithTheHint()
    {
        var never = new TaskCompletionSource<int>();
        var failure = await Assert.ThrowsAsync<XunitException>(() => WithinAsync(never.Task, TimeSpan.FromMilliseconds(50), "the reply"));
        Assert.Contains("did not complete within", failure.Message, StringComparison.Ordinal);
        Assert.Contains("the reply", failure.Message, StringComparison.Ordinal);
        Assert.Equal(7, await WithinAsync(Task.FromResult(7)));
        await Assert.ThrowsAsync<FormatException>(() => WithinAsync(Task.FromException(new FormatException())));
    }
}

/// <summary><see cref="SettlingTests"/> on dedicated loops.</summary>
public sealed class SettlingTests_Dedicated(ITestOutputHelper output) : SettlingTests(output);

/// <summary><see cref="SettlingTests"/> on loops of the test's group.</summary>
public sealed class SettlingTests_Grouped(ITestOutputHelper output) : SettlingTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}

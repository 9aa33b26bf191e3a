using Akka.TestKit;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Timers;

/// <summary><see cref="LoopActor.Delay"/> inside coroutines: resumes on the loop thread, on the loop's clock, in due order; cancellable from any thread.</summary>
public abstract class DelayTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Delay_TwoCoroutinesOfOneAndTwoSeconds_FinishInDueOrderOnTheLoopThread()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        int loopThread = await loop.RunAsync(() => Task.FromResult(Environment.CurrentManagedThreadId));

        // The longer wait starts first, so finishing order is due order, not start order (asyncio's wait(2), wait(1)).
        var twoSeconds = loop.RunAsync(() => WaitAsync(probe, "wait(2)", 2 * OneSecond));
        var oneSecond = loop.RunAsync(() => WaitAsync(probe, "wait(1)", OneSecond));
        await probe.ExpectMsgAsync("wait(2) armed", Patience);
        await probe.ExpectMsgAsync("wait(1) armed", Patience);

        fake.Advance(2 * OneSecond);
        await probe.ExpectMsgAsync(("wait(1) done", loopThread), Patience);
        await probe.ExpectMsgAsync(("wait(2) done", loopThread), Patience);
        await WithinAsync(Task.WhenAll(oneSecond, twoSeconds));
        Assert.True(oneSecond.IsCompletedSuccessfully);
        Assert.True(twoSeconds.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Delay_ClockAdvancedPastTheShorterOnly_ResumesOnlyTheShorter()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        int loopThread = await loop.RunAsync(() => Task.FromResult(Environment.CurrentManagedThreadId));
        var oneSecond = loop.RunAsync(() => WaitAsync(probe, "wait(1)", OneSecond));
        var twoSeconds = loop.RunAsync(() => WaitAsync(probe, "wait(2)", 2 * OneSecond));
        await probe.ExpectMsgAsync("wait(1) armed", Patience);
        await probe.ExpectMsgAsync("wait(2) armed", Patience);

        fake.Advance(OneSecond - TimeSpan.FromTicks(1));
        await probe.ExpectNoMsgAsync(Quiet);
        fake.Advance(TimeSpan.FromTicks(1));
        await probe.ExpectMsgAsync(("wait(1) done", loopThread), Patience);
        await WithinAsync(oneSecond);
        await probe.ExpectNoMsgAsync(Quiet);
        Assert.False(twoSeconds.IsCompleted);

        fake.Advance(OneSecond);
        await probe.ExpectMsgAsync(("wait(2) done", loopThread), Patience);
        await WithinAsync(twoSeconds);
    }

    [Fact]
    public async Task Delay_TokenCancelledFromAForeignThread_ThrowsOperationCanceledOnTheLoopThread()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        int loopThread = await loop.RunAsync(() => Task.FromResult(Environment.CurrentManagedThreadId));
        using var cts = new CancellationTokenSource();
        var coroutine = loop.RunAsync(async () =>
        {
            try
            {
                var delay = LoopActor.Delay(TimeSpan.FromSeconds(10), cts.Token);
                probe.Tell("armed");
                await delay;
                probe.Tell("delay ended without cancellation");
            }
            catch (OperationCanceledException e)
            {
                probe.Tell((Environment.CurrentManagedThreadId, e.GetType(), e.CancellationToken == cts.Token));
            }
        });
        await probe.ExpectMsgAsync("armed", Patience);
        Assert.Equal(1, (await loop.QueryPendingAsync()).PendingTimers);

        await Task.Run(cts.Cancel);
        await probe.ExpectMsgAsync((loopThread, typeof(OperationCanceledException), true), Patience);
        await WithinAsync(coroutine);
        Assert.True(coroutine.IsCompletedSuccessfully);
        var pending = await loop.QueryPendingAsync();
        Assert.Equal(0, pending.PendingTimers);
        Assert.Null(pending.NextTimerDue);

        // The cancelled delay's slot is gone: moving the clock past it resumes nothing.
        fake.Advance(TimeSpan.FromSeconds(10));
        await probe.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task Delay_OffTheLoopThread_ThrowsWrongThreadAndLosesNothing()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        loop.CallLater(OneSecond, () => probe.Tell("kept"));
        await loop.QueryPendingAsync();

        Assert.Throws<WrongThreadException>(() => { _ = LoopActor.Delay(OneSecond); });
        await Assert.ThrowsAsync<WrongThreadException>(() => Task.Run(() => { _ = LoopActor.Delay(OneSecond); }));

        Assert.Equal(1, (await loop.QueryPendingAsync()).PendingTimers);
        fake.Advance(OneSecond);
        await probe.ExpectMsgAsync("kept", Patience);
    }

    [Fact]
    public async Task Delay_NegativeOrInfiniteOnTheLoopThread_ThrowsArgumentOutOfRangeAndTheCoroutineGoesOn()
    {
        var fake = new FakeTimeProvider();
        await using var loop = Spawn(new LoopOptions { TimeProvider = fake });
        var thrown = await WithinAsync(loop.RunAsync(() =>
        {
            var types = new List<Type>();
            foreach (var bad in new[] { TimeSpan.FromTicks(-1), Timeout.InfiniteTimeSpan, TimeSpan.MaxValue })
            {
                try
                {
                    _ = LoopActor.Delay(bad);
                    types.Add(typeof(void));
                }
                catch (ArgumentOutOfRangeException e)
                {
                    types.Add(e.GetType());
                }
            }

            return Task.FromResult(types.ToArray());
        }));

        Assert.All(thrown, t => Assert.Equal(typeof(ArgumentOutOfRangeException), t));
        Assert.Equal(0, (await loop.QueryPendingAsync()).PendingTimers);
    }

    /// <summary>A coroutine that waits <paramref name="delay"/> on the loop's clock and reports where it resumed.</summary>
    private static async Task WaitAsync(TestProbe probe, string name, TimeSpan delay)
    {
        var waiting = LoopActor.Delay(delay);
        probe.Tell($"{name} armed");
        await waiting;
        probe.Tell(($"{name} done", Environment.CurrentManagedThreadId));
    }
}

/// <summary><see cref="DelayTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class DelayTests_Dedicated(ITestOutputHelper output) : DelayTests(output);

/// <summary><see cref="DelayTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class DelayTests_Grouped(ITestOutputHelper output) : DelayTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}

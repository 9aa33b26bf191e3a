using System.Diagnostics;
using Xunit.Abstractions;

namespace Mailbox.Tests.Reliability;

public abstract class SlowAndStalledTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task SlowCallback_OverTheThreshold_IsReportedExactlyOnceWithItsName()
    {
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions
        {
            SlowCallbackThreshold = TimeSpan.FromMilliseconds(20),
            Observer = new ProbeObserver(probe, e => e is SlowCallback),
        });
        loop.Post(DeliberatelySlowCallback);
        loop.Post(() => { });
        var slow = await probe.ExpectMsgAsync<SlowCallback>(Patience);
        Assert.Equal($"{nameof(SlowAndStalledTests)}.{nameof(DeliberatelySlowCallback)}", slow.CallbackName);
        Assert.True(slow.Duration >= TimeSpan.FromMilliseconds(60), $"duration {slow.Duration}");
        Assert.Equal(loop.Name, slow.LoopName);
        await probe.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task SlowCallback_SlowCoroutineStep_IsReported()
    {
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions
        {
            SlowCallbackThreshold = TimeSpan.FromMilliseconds(20),
            Observer = new ProbeObserver(probe, e => e is SlowCallback),
        });
        await loop.RunAsync(async () =>
        {
            await LoopActor.Yield();
            DeliberatelySlowCallback();
        });
        var slow = await probe.ExpectMsgAsync<SlowCallback>(Patience);
        Assert.Equal($"{nameof(SlowAndStalledTests)}.{nameof(SlowCallback_SlowCoroutineStep_IsReported)} (lambda)", slow.CallbackName);
        await probe.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task SlowCallback_FastLoop_ReportsNothing()
    {
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions
        {
            SlowCallbackThreshold = TimeSpan.FromSeconds(1),
            Observer = new ProbeObserver(probe, e => e is SlowCallback or CallbackFaulted),
        });
        for (int i = 0; i < 10_000; i++)
        {
            loop.Post(() => { });
        }

        await loop.RunAsync(async () => { for (int i = 0; i < 1_000; i++) await LoopActor.Yield(); });
        await probe.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task StopAsync_StalledCallbackAndRealTimeout_ReturnsTimedOutWithinABound()
    {
        var loop = Spawn(new LoopOptions { TimeProvider = WallClock });
        using var gate = new Gate();
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        var watch = Stopwatch.StartNew();
        var report = await WithinAsync(loop.StopAsync(StopMode.Drain, TimeSpan.FromMilliseconds(100)));
        Assert.True(report.TimedOut);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(90), $"returned after {watch.Elapsed}");
        Assert.False(loop.Completion.IsCompleted);
        gate.Open();
        Assert.True((await WithinAsync(loop.Completion)).TimedOut);
    }

    /// <summary>Busy for 60 ms of wall time (a spin on the stopwatch: the point is to hold the loop thread, not to wait).</summary>
    private static void DeliberatelySlowCallback()
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromMilliseconds(60))
        {
            Thread.SpinWait(100);
        }
    }
}

/// <summary><see cref="SlowAndStalledTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class SlowAndStalledTests_Dedicated(ITestOutputHelper output) : SlowAndStalledTests(output);

/// <summary><see cref="SlowAndStalledTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class SlowAndStalledTests_Grouped(ITestOutputHelper output) : SlowAndStalledTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}

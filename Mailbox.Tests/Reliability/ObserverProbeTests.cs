using Xunit.Abstractions;

namespace Mailbox.Tests.Reliability;

/// <summary>The loop's events, forwarded to a TestProbe by <see cref="ProbeObserver"/>, asserted in order.</summary>
public abstract class ObserverProbeTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task Observer_FaultingCallback_DeliversCallbackFaultedWithTheLoopNameAndTheException()
    {
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { Observer = new ProbeObserver(probe) }, "observed");
        var started = await probe.ExpectMsgAsync<LoopStarted>(Patience);
        Assert.Equal("observed", started.LoopName);

        loop.Post(FaultyCallback);
        var fault = await probe.ExpectMsgAsync<CallbackFaulted>(Patience);
        Assert.Equal("observed", fault.LoopName);
        Assert.Equal($"{nameof(ObserverProbeTests)}.{nameof(FaultyCallback)}", fault.CallbackName);
        Assert.IsType<FormatException>(fault.Exception);
        Assert.Equal(FaultDirective.Resume, fault.Directive);
        await probe.ExpectNoMsgAsync(Quiet);
        Assert.Same(fault.Exception, await ExpectFaultAsync<FormatException>(loop));
    }

    [Fact]
    public async Task Observer_HealthyLoop_DeliversOnlyTheLifecycle()
    {
        var probe = CreateTestProbe();
        var loop = Spawn(new LoopOptions { Observer = new ProbeObserver(probe), SlowCallbackThreshold = TimeSpan.FromSeconds(1) });
        await probe.ExpectMsgAsync<LoopStarted>(Patience);
        for (int i = 0; i < 1_000; i++)
        {
            loop.Post(() => { });
        }

        await loop.RunAsync(async () => await LoopActor.Yield());
        await probe.ExpectNoMsgAsync(Quiet);

        var report = await WithinAsync(loop.StopAsync());
        Assert.Equal(StopMode.Drain, (await probe.ExpectMsgAsync<LoopStopping>(Patience)).Mode);
        Assert.Same(report, (await probe.ExpectMsgAsync<LoopStopped>(Patience)).Report);
        await probe.ExpectMsgAsync(ProbeObserver.Completed, Patience);
        await probe.ExpectNoMsgAsync(Quiet);
    }

    private static void FaultyCallback() => throw new FormatException("bad");
}

/// <summary><see cref="ObserverProbeTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class ObserverProbeTests_Dedicated(ITestOutputHelper output) : ObserverProbeTests(output);

/// <summary><see cref="ObserverProbeTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class ObserverProbeTests_Grouped(ITestOutputHelper output) : ObserverProbeTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}

using Xunit.Abstractions;

namespace Mailbox.Tests.Core;

public abstract class FaultTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task Post_CallbackThrows_LoopSurvivesAndRunsTheNextMessage()
    {
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions
        {
            OnUnhandledException = e => { probe.Tell(e.Message); return FaultDirective.Resume; },
        });
        loop.Post(() => throw new InvalidOperationException("boom"));
        loop.Post(() => probe.Tell("next"));
        await probe.ExpectMsgAsync("boom", Patience);
        await probe.ExpectMsgAsync("next", Patience);
        Assert.Equal(LoopState.Running, loop.State);
        Assert.Equal("boom", (await ExpectFaultAsync<InvalidOperationException>(loop)).Message);
    }

    [Fact]
    public async Task Post_CallbackThrowsWithoutPolicy_ResumesByDefault()
    {
        await using var loop = Spawn();
        loop.Post(() => throw new InvalidOperationException("boom"));
        Assert.Equal(2, await loop.RunAsync(() => Task.FromResult(2)));
        Assert.Equal("boom", (await ExpectFaultAsync<InvalidOperationException>(loop)).Message);
    }

    [Fact]
    public async Task Post_CallbackThrowsWithDirectiveStop_LoopDrainsAndStops()
    {
        var loop = Spawn(new LoopOptions { OnUnhandledException = _ => FaultDirective.Stop });
        using var gate = new Gate();
        int ran = 0;
        loop.Post(gate.Hold);
        await gate.EnteredAsync();
        loop.Post(() => throw new InvalidOperationException("fatal"));
        loop.Post(() => ran++); // accepted before the fault: Drain runs it
        gate.Open();
        var report = await WithinAsync(loop.Completion);
        Assert.Equal(StopMode.Drain, report.Mode);
        Assert.Equal(3, report.Executed);
        Assert.Equal(0, report.Discarded);
        Assert.Equal(1, ran);
        Assert.Equal(LoopState.Stopped, loop.State);
        Assert.Throws<LoopStoppedException>(() => loop.Post(() => ran++));
        Assert.Equal("fatal", (await ExpectFaultAsync<InvalidOperationException>(loop)).Message);
    }

    [Fact]
    public async Task OnUnhandledException_PolicyThrows_LoopSurvivesAndBothAreReported()
    {
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions
        {
            OnUnhandledException = _ => throw new FormatException("policy broke"),
            Observer = new ProbeObserver(probe),
        });
        loop.Post(() => throw new InvalidOperationException("boom"));
        loop.Post(() => probe.Tell("next"));
        await probe.FishForMessageAsync(m => m is CallbackFaulted { Exception: FormatException }, Patience);
        await probe.FishForMessageAsync(m => m is CallbackFaulted { Exception: InvalidOperationException }, Patience);
        await probe.FishForMessageAsync(m => "next".Equals(m), Patience);
        Assert.Equal("policy broke", (await ExpectFaultAsync<FormatException>(loop)).Message);
        Assert.Equal("boom", (await ExpectFaultAsync<InvalidOperationException>(loop)).Message);
    }

    [Fact]
    public async Task RunAsync_CoroutineThrows_GoesToItsTaskNotToThePolicy()
    {
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { OnUnhandledException = e => { probe.Tell(e); return FaultDirective.Resume; } });
        await Assert.ThrowsAsync<FormatException>(() => loop.RunAsync(() => throw new FormatException()));
        await probe.ExpectNoMsgAsync(Quiet);
    }
}

/// <summary><see cref="FaultTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class FaultTests_Dedicated(ITestOutputHelper output) : FaultTests(output);

/// <summary><see cref="FaultTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class FaultTests_Grouped(ITestOutputHelper output) : FaultTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}

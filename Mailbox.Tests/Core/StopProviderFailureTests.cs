using Mailbox.Tests.Support;
using Xunit.Abstractions;

namespace Mailbox.Tests.Core;

/// <summary>
/// A stop with a timeout needs a timer of the loop's <see cref="TimeProvider"/>. A provider that fails to make it leaves
/// the loop as it was; one that makes it and fails to arm it lets the stop go on without a timeout. Either way the caller
/// gets the provider's exception, and nothing accepted is lost.
/// </summary>
public abstract class StopProviderFailureTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task StopAsync_TheProviderFailsToMakeTheTimeoutsTimer_ThrowsAndTheLoopRunsOnAsItWas()
    {
        var provider = new FailingTimeProvider(Clock);
        var loop = Spawn(new LoopOptions { TimeProvider = provider });
        loop.Post(static () => { });
        provider.FailCreates(1);

        var thrown = Assert.Throws<ProviderFailureException>(() => { _ = loop.StopAsync(StopMode.Drain, StopTimeout); }); // thrown by the call, not through its task
        Assert.Contains("CreateTimer", thrown.Message, StringComparison.Ordinal);
        Assert.Equal(LoopState.Running, loop.State);
        Assert.Equal(3, await WithinAsync(loop.RunAsync(() => Task.FromResult(3))));
        loop.Post(static () => { });

        var report = await WithinAsync(loop.StopAsync(StopMode.Drain, StopTimeout));
        Assert.Equal(new StopReport(StopMode.Drain, 3, 0, 0, 0, false), report);
        Assert.Equal(1, provider.Failures);
    }

    [Fact]
    public async Task StopAsync_TheProviderFailsToArmTheTimeoutsTimer_ThrowsAndTheStopGoesOnWithoutIt()
    {
        var provider = new FailingTimeProvider(Clock);
        var loop = Spawn(new LoopOptions { TimeProvider = provider });
        using var gate = await HoldAsync(loop); // the stop cannot finish before the test looks at it
        loop.Post(static () => { });
        provider.FailChanges(1);

        var thrown = Assert.Throws<ProviderFailureException>(() => { _ = loop.StopAsync(StopMode.Drain, StopTimeout); }); // thrown by the call, not through its task
        Assert.Contains("Change", thrown.Message, StringComparison.Ordinal);
        Assert.Equal(LoopState.Stopping, loop.State);
        Assert.Throws<LoopStoppedException>(() => loop.Post(static () => { })); // the gate closed with the stop

        var later = loop.StopAsync(StopMode.Immediate); // the first stop's task: its mode stands
        Clock.Advance(StopTimeout); // the timeout that was never armed passes: nothing happens
        gate.Open();
        var report = await WithinAsync(later);
        Assert.Equal(new StopReport(StopMode.Drain, 2, 0, 0, 0, false), report);
        Assert.Equal(report, await WithinAsync(loop.Completion));
    }
}

/// <summary><see cref="StopProviderFailureTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class StopProviderFailureTests_Dedicated(ITestOutputHelper output) : StopProviderFailureTests(output);

/// <summary><see cref="StopProviderFailureTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class StopProviderFailureTests_Grouped(ITestOutputHelper output) : StopProviderFailureTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}

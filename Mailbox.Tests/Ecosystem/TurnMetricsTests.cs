using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Ecosystem;

/// <summary>
/// <see cref="LoopMetrics.Turns"/>: how many turns a loop's work took, read on the loop's own thread (where the count
/// is exact) at fixed points of a run.
/// </summary>
public abstract class TurnMetricsTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task Turns_ACoroutineThatOnlyYields_RunsEveryStepInTheSameTurn()
    {
        // Nothing else is queued, so a round of steps that readies only the next step goes straight on: a hundred
        // yields are one turn, not a hundred trips through the thread.
        string name = $"turns-{Guid.NewGuid():N}";
        using var turns = new MetricCollector<long>(null, LoopMetrics.MeterName, LoopMetrics.Turns);
        await using var loop = Spawn(name: name);

        var (first, last) = await WithinAsync(loop.RunAsync(async () =>
        {
            await LoopActor.Yield(); // from here on a ready step, in a turn after the one that ran the start
            long first = MetricsTests.Observe(turns, name);
            for (int i = 0; i < 100; i++)
            {
                await LoopActor.Yield();
            }

            return (first, MetricsTests.Observe(turns, name));
        }));

        Assert.True(first >= 2, $"the start and the first step are two turns (read {first})");
        Assert.Equal(first, last);
    }

    [Fact]
    public async Task Turns_YieldsAfterTheLastTimerFired_StillRunInOneTurn()
    {
        // A loop whose timer queue exists but is empty has no timer to look at between rounds of steps: the yields go
        // on in the same turn as on a loop that never set a timer.
        string name = $"turns-{Guid.NewGuid():N}";
        using var turns = new MetricCollector<long>(null, LoopMetrics.MeterName, LoopMetrics.Turns);
        await using var loop = Spawn(name: name);
        int fired = 0; // loop-owned
        loop.CallLater(TimeSpan.FromMilliseconds(1), () => fired++);
        await AdvanceAsync(TimeSpan.FromMilliseconds(1));

        var (firedBefore, first, last) = await WithinAsync(loop.RunAsync(async () =>
        {
            await LoopActor.Yield();
            long first = MetricsTests.Observe(turns, name);
            for (int i = 0; i < 100; i++)
            {
                await LoopActor.Yield();
            }

            return (fired, first, MetricsTests.Observe(turns, name));
        }));

        Assert.Equal(1, firedBefore);
        Assert.Equal(first, last);
    }

    [Fact]
    public async Task Turns_MessagesQueuedBehindABusyCallback_RunInItsTurn()
    {
        string name = $"turns-{Guid.NewGuid():N}";
        using var turns = new MetricCollector<long>(null, LoopMetrics.MeterName, LoopMetrics.Turns);
        await using var loop = Spawn(name: name);
        using var gate = new Gate();
        long held = 0; // loop-owned
        int ran = 0;   // loop-owned
        loop.Post(() => { held = MetricsTests.Observe(turns, name); gate.Hold(); });
        await gate.EnteredAsync();
        for (int i = 0; i < 10; i++)
        {
            loop.Post(() => ran++);
        }

        var inTheSameTurn = loop.RunAsync(() => Task.FromResult((MetricsTests.Observe(turns, name), ran)));
        gate.Open();

        var (sameTurn, ranBefore) = await WithinAsync(inTheSameTurn);
        Assert.True(held >= 1, $"the callback ran in a turn (read {held})");
        Assert.Equal((held, 10), (sameTurn, ranBefore));
    }
}

/// <summary><see cref="TurnMetricsTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class TurnMetricsTests_Dedicated(ITestOutputHelper output) : TurnMetricsTests(output);

/// <summary><see cref="TurnMetricsTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class TurnMetricsTests_Grouped(ITestOutputHelper output) : TurnMetricsTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}

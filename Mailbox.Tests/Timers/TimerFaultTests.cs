using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Timers;

/// <summary>A timer callback that throws is a fault of a fire-and-forget callback: the policy hears of it and the loop goes on.</summary>
public abstract class TimerFaultTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task CallLater_CallbackThrows_GoesToOnUnhandledExceptionAndALaterTimerStillFires()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions
        {
            TimeProvider = fake,
            OnUnhandledException = e => { probe.Tell(e.Message); return FaultDirective.Resume; },
        });
        var faulty = loop.CallLater(OneSecond, () => throw new InvalidOperationException("timer boom"));
        loop.CallLater(2 * OneSecond, () => probe.Tell("later"));
        await loop.QueryPendingAsync();

        fake.Advance(OneSecond);
        await probe.ExpectMsgAsync("timer boom", Patience);
        Assert.True(faulty.HasFired);
        fake.Advance(OneSecond);
        await probe.ExpectMsgAsync("later", Patience);
        Assert.Equal(LoopState.Running, loop.State);
        await ExpectFaultAsync<InvalidOperationException>(loop);
    }

    [Fact]
    public async Task CallEvery_CallbackThrows_IsReportedAtEveryFiringAndKeepsRepeating()
    {
        var fake = new FakeTimeProvider();
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions
        {
            TimeProvider = fake,
            OnUnhandledException = e => { probe.Tell(e.Message); return FaultDirective.Resume; },
        });
        int n = 0;
        var handle = loop.CallEvery(OneSecond, () => throw new InvalidOperationException($"tick {++n}"));
        await loop.QueryPendingAsync();

        for (int i = 1; i <= 3; i++)
        {
            fake.Advance(OneSecond);
            await probe.ExpectMsgAsync($"tick {i}", Patience);
            Assert.Equal($"tick {i}", (await ExpectFaultAsync<InvalidOperationException>(loop)).Message);
        }

        Assert.True(handle.Cancel());
        fake.Advance(OneSecond);
        await probe.ExpectNoMsgAsync(Quiet);
    }
}

/// <summary><see cref="TimerFaultTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class TimerFaultTests_Dedicated(ITestOutputHelper output) : TimerFaultTests(output);

/// <summary><see cref="TimerFaultTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class TimerFaultTests_Grouped(ITestOutputHelper output) : TimerFaultTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}

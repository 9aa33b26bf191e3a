using Mailbox.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Mailbox.Tests.Timers;

/// <summary>
/// The loop arms its provider timer relative to the provider's clock; a clock advanced between the loop's reading and
/// the arming (a test thread's <see cref="FakeTimeProvider.Advance"/>) must not leave the timer armed late.
/// </summary>
public abstract class TimerArmingRaceTests(ITestOutputHelper output) : LoopTestKit(output)
{
    [Fact]
    public async Task CallLater_ClockAdvancedWhileTheLoopArmsItsTimer_FiresAtItsDueTimeNotLater()
    {
        var fake = new FakeTimeProvider();
        var racing = new AdvanceOnFirstArm(fake, TimeSpan.FromSeconds(59));
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { TimeProvider = racing });

        loop.CallLater(TimeSpan.FromMinutes(1), () => probe.Tell("fired"));
        await AwaitConditionAsync(() => Task.FromResult(racing.Advanced), Patience); // the loop has armed, with the clock moved under it
        await probe.ExpectNoMsgAsync(Quiet);

        fake.Advance(TimeSpan.FromSeconds(1)); // exactly the due time
        await probe.ExpectMsgAsync("fired", Patience);
    }

    /// <summary>A fake clock that jumps once, inside the first finite <see cref="ITimer.Change"/>, just before the timer is armed: the moment a concurrent Advance can land.</summary>
    private sealed class AdvanceOnFirstArm(FakeTimeProvider inner, TimeSpan jump) : ForwardingTimeProvider(inner)
    {
        private int _advanced;

        public bool Advanced => Volatile.Read(ref _advanced) != 0;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            new WatchedTimer(Inner.CreateTimer(callback, state, dueTime, period), due =>
            {
                if (due != Timeout.InfiniteTimeSpan && Interlocked.Exchange(ref _advanced, 1) == 0)
                {
                    Advance();
                }
            });

        private void Advance() => inner.Advance(jump);
    }
}

/// <summary><see cref="TimerArmingRaceTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class TimerArmingRaceTests_Dedicated(ITestOutputHelper output) : TimerArmingRaceTests(output);

/// <summary><see cref="TimerArmingRaceTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class TimerArmingRaceTests_Grouped(ITestOutputHelper output) : TimerArmingRaceTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}

using System.Diagnostics;
using Xunit.Abstractions;

namespace Mailbox.Tests.Timers;

/// <summary>The one timer test on <see cref="TimeProvider.System"/>: the default clock really drives the timers.</summary>
public abstract class RealClockTimerTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private static readonly TimeSpan Requested = TimeSpan.FromMilliseconds(50);

    /// <summary>Generous: a loaded 2-core machine may be late, never early.</summary>
    private static readonly TimeSpan LateBound = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task CallLater_FiftyMillisecondsOnTheSystemClock_FiresNoEarlierAndWithinTheBound()
    {
        var probe = CreateTestProbe();
        await using var loop = Spawn(new LoopOptions { TimeProvider = WallClock });
        long started = Stopwatch.GetTimestamp();
        loop.CallLater(Requested, () => probe.Tell(Stopwatch.GetElapsedTime(started)));

        var elapsed = await probe.ExpectMsgAsync<TimeSpan>(duration: LateBound);
        Output.WriteLine($"fired after {elapsed.TotalMilliseconds:F2} ms");
        Assert.True(elapsed >= Requested, $"fired after {elapsed.TotalMilliseconds:F3} ms, before the {Requested.TotalMilliseconds} ms asked");
        Assert.True(elapsed < LateBound);
    }
}

/// <summary><see cref="RealClockTimerTests"/> on dedicated loops (<see cref="LoopActor.Spawn"/>).</summary>
public sealed class RealClockTimerTests_Dedicated(ITestOutputHelper output) : RealClockTimerTests(output);

/// <summary><see cref="RealClockTimerTests"/> on loops of a <see cref="LoopGroup"/>.</summary>
public sealed class RealClockTimerTests_Grouped(ITestOutputHelper output) : RealClockTimerTests(output)
{
    protected override LoopKind Kind => LoopKind.Grouped;
}

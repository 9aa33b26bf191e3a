using Xunit.Abstractions;

namespace Mailbox.Tests.TestKit;

/// <summary>
/// A <see cref="LoopTestKit"/> that a test of the kit drives by hand: its protected members made callable, its end
/// (<see cref="LoopTestKit.DisposeAsync"/>) called by the test, so that a kit assertion can be seen to fail. The test
/// disposes it (its actor system) when done. A knob left null keeps the kit's own default, so that the default is
/// under test too.
/// </summary>
internal sealed class KitUnderTest(ITestOutputHelper output, LoopKind kind = LoopKind.Dedicated, TimeSpan? settlePatience = null, bool? faultsFail = null, TimeSpan? endPatience = null)
    : LoopTestKit(output)
{
    protected override bool UnexpectedFaultsFailTheTest => faultsFail ?? base.UnexpectedFaultsFailTheTest;

    protected override LoopKind Kind => kind;

    protected override TimeSpan SettlePatience => settlePatience ?? base.SettlePatience;

    protected override TimeSpan EndPatience => endPatience ?? base.EndPatience;

    public new LoopGroup Group => base.Group;

    public new LoopActor Spawn(LoopOptions? options = null, string? name = null) => base.Spawn(options, name);

    public new Task AdvanceAsync(TimeSpan by) => base.AdvanceAsync(by);

    public new Task RunUntilIdleAsync() => base.RunUntilIdleAsync();

    public new Task<TimeSpan> AdvanceUntilNoTimersAsync(TimeSpan limit) => base.AdvanceUntilNoTimersAsync(limit);

    public new Task<TException> ExpectFaultAsync<TException>(LoopActor? loop = null, TimeSpan? duration = null, string? hint = null)
        where TException : Exception => base.ExpectFaultAsync<TException>(loop, duration, hint);

    public new Task<Gate> HoldAsync(LoopActor loop) => base.HoldAsync(loop);

    public new global::Akka.TestKit.TestProbe EventsOf(LoopActor loop) => base.EventsOf(loop);
}

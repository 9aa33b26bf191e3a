using Xunit.Abstractions;
using Xunit.Sdk;

namespace Mailbox.Tests.TestKit;

/// <summary>
/// The typed event expectations' failures (<see cref="LoopEventProbeExtensions"/>): what they say, that they wait
/// for the duration given rather than the default, and that the events of other types in front of the one looked
/// for neither pass nor fail them.
/// </summary>
public sealed class EventExpectationTests(ITestOutputHelper output) : LoopTestKit(output)
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task ExpectEventAsync_NoneComesNoHint_FailsWithinTheGivenDurationSayingWhichType()
    {
        var events = EventsOf(Spawn());

        // Bounded well below Patience: waiting the default instead reads as "did not complete", not as the probe's failure.
        var failure = await Assert.ThrowsAnyAsync<XunitException>(() => WithinAsync(events.ExpectEventAsync<CallbackFaulted>(duration: Short), Patience / 2));

        Assert.DoesNotContain("did not complete", failure.Message, StringComparison.Ordinal);
        Assert.Contains("expected a CallbackFaulted event", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpectEventAsync_NoneComesWithAHint_SaysTheHintInstead()
    {
        var events = EventsOf(Spawn());

        var failure = await Assert.ThrowsAnyAsync<XunitException>(() => events.ExpectEventAsync<CallbackFaulted>(duration: Short, hint: "the parse error"));

        Assert.Contains("the parse error", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("expected a CallbackFaulted event", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpectNoEventAsync_OneComesNoHint_SaysTheTypeTheGivenDurationAndTheEvent()
    {
        var loop = Spawn(name: "noisy");
        var events = EventsOf(loop);
        await events.ExpectEventAsync<LoopStarted>();
        loop.Post(() => throw new FormatException("unwanted"));

        var failure = await Assert.ThrowsAsync<XunitException>(() => events.ExpectNoEventAsync<CallbackFaulted>(TimeSpan.FromSeconds(5)));

        Assert.StartsWith("expected no CallbackFaulted event within 00:00:05, got CallbackFaulted {", failure.Message, StringComparison.Ordinal);
        Assert.Contains("unwanted", failure.Message, StringComparison.Ordinal);
        await ExpectFaultAsync<FormatException>(loop);
    }

    [Fact]
    public async Task ExpectNoEventAsync_ZeroDuration_FailsOnAnEventThatCameAlreadyBehindOthers()
    {
        var loop = Spawn();
        var events = EventsOf(loop);
        loop.Post(() => throw new FormatException("already there"));
        await ExpectFaultAsync<FormatException>(loop);
        await WithinAsync(loop.RunAsync(() => Task.CompletedTask)); // the observer runs on the loop, in the fault's turn: it has told the probe

        // LoopStarted is in front of it, unread: a zero duration still looks past it at what has come.
        var failure = await Assert.ThrowsAsync<XunitException>(() => events.ExpectNoEventAsync<CallbackFaulted>(TimeSpan.Zero));

        Assert.Contains("already there", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpectNoEventAsync_ZeroDurationNothingCame_PassesAtOnce()
    {
        var events = EventsOf(Spawn());
        await events.ExpectEventAsync<LoopStarted>();

        await WithinAsync(events.ExpectNoEventAsync<CallbackFaulted>(TimeSpan.Zero), Short);
    }

    [Fact]
    public async Task ExpectNoEventAsync_NegativeDuration_ThrowsArgumentOutOfRangeNamingDuration()
    {
        var events = EventsOf(Spawn());

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => events.ExpectNoEventAsync<CallbackFaulted>(TimeSpan.FromTicks(-1)));

        Assert.Equal("duration", error.ParamName);
    }

    [Fact]
    public async Task ExpectNoEventAsync_OneComesWithAHint_SaysTheHintInParentheses()
    {
        var loop = Spawn();
        var events = EventsOf(loop);
        await events.ExpectEventAsync<LoopStarted>();
        loop.Post(() => throw new FormatException("unwanted"));

        var failure = await Assert.ThrowsAsync<XunitException>(() => events.ExpectNoEventAsync<CallbackFaulted>(TimeSpan.FromSeconds(5), "the retry"));

        Assert.StartsWith("expected no CallbackFaulted event within 00:00:05 (the retry), got CallbackFaulted {", failure.Message, StringComparison.Ordinal);
        await ExpectFaultAsync<FormatException>(loop);
    }

    [Fact]
    public async Task ExpectNoEventAsync_AnotherTypeFirstThenTheType_StillFails()
    {
        var loop = Spawn();
        var events = EventsOf(loop); // LoopStarted, replayed, comes first
        loop.Post(() => throw new FormatException("behind another event"));

        var failure = await Assert.ThrowsAsync<XunitException>(() => events.ExpectNoEventAsync<CallbackFaulted>(Patience));

        Assert.Contains("behind another event", failure.Message, StringComparison.Ordinal);
        await ExpectFaultAsync<FormatException>(loop);
    }

    [Fact]
    public async Task ExpectNoEventAsync_OnlyOtherTypesCome_PassesAfterListening()
    {
        var loop = Spawn();
        var events = EventsOf(loop);

        await events.ExpectNoEventAsync<CallbackFaulted>(Short); // LoopStarted is passed over

        await loop.StopAsync();
        await events.ExpectNoEventAsync<CallbackFaulted>(Short); // and so are LoopStopping, LoopStopped
    }
}

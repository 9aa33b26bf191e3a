using Akka.TestKit;
using Xunit.Sdk;

namespace Mailbox.TestKit;

/// <summary>
/// Typed expectations over a probe that receives <see cref="LoopEvent"/>s (<see cref="LoopTestKit.EventsOf"/>, or a
/// <see cref="ProbeObserver"/>): they look for one kind of event and pass over the others, which a loop raises on its
/// own (<see cref="LoopStarted"/> first of all).
/// </summary>
public static class LoopEventProbeExtensions
{
    /// <summary>
    /// Expects an event of type <typeparamref name="TEvent"/> (that <paramref name="isMatch"/> accepts) within
    /// <paramref name="duration"/>, dropping the events of other types and the non-matching ones before it.
    /// </summary>
    /// <typeparam name="TEvent">The event's type.</typeparam>
    /// <param name="probe">The probe the events go to.</param>
    /// <param name="isMatch">Which event of that type; the first one when null.</param>
    /// <param name="duration">How long to wait; <see cref="LoopTestKit.Patience"/> when null.</param>
    /// <param name="hint">Said in the failure.</param>
    /// <returns>The event.</returns>
    /// <exception cref="XunitException">None came within <paramref name="duration"/>.</exception>
    public static async Task<TEvent> ExpectEventAsync<TEvent>(this TestProbe probe, Predicate<TEvent>? isMatch = null, TimeSpan? duration = null, string? hint = null)
        where TEvent : LoopEvent
    {
        ArgumentNullException.ThrowIfNull(probe);
        var found = await probe.FishForMessageAsync(
            m => m is TEvent e && (isMatch is null || isMatch(e)),
            duration ?? LoopTestKit.Patience,
            hint ?? $"expected a {typeof(TEvent).Name} event").ConfigureAwait(false);
        return (TEvent)found;
    }

    /// <summary>
    /// Expects no event of type <typeparamref name="TEvent"/> for <paramref name="duration"/>; events of other types
    /// that come meanwhile are dropped.
    /// </summary>
    /// <typeparam name="TEvent">The event's type.</typeparam>
    /// <param name="probe">The probe the events go to.</param>
    /// <param name="duration">How long to listen; <see cref="LoopTestKit.Quiet"/> when null; zero looks only at the events that have come already.</param>
    /// <param name="hint">Said in the failure.</param>
    /// <returns>A task that completes after <paramref name="duration"/> with no such event.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="probe"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is negative.</exception>
    /// <exception cref="XunitException">One came.</exception>
    public static async Task ExpectNoEventAsync<TEvent>(this TestProbe probe, TimeSpan? duration = null, string? hint = null)
        where TEvent : LoopEvent
    {
        ArgumentNullException.ThrowIfNull(probe);
        var listen = duration ?? LoopTestKit.Quiet;
        ArgumentOutOfRangeException.ThrowIfLessThan(listen, TimeSpan.Zero, nameof(duration));
        var end = DateTime.UtcNow + listen;

        // Every event that has come already is looked at, even once the time is up (or for a zero duration): "no such
        // event" must not pass because the one that came sat behind events of other types.
        for (var left = listen; ; left = Max(end - DateTime.UtcNow, TimeSpan.Zero))
        {
            var (received, envelope) = await probe.TryReceiveOneAsync(left).ConfigureAwait(false);
            if (!received)
            {
                return;
            }

            if (envelope.Message is TEvent unexpected)
            {
                throw new XunitException($"expected no {typeof(TEvent).Name} event within {listen}{(hint is null ? "" : $" ({hint})")}, got {unexpected}");
            }
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}

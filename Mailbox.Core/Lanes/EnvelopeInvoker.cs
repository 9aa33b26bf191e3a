namespace Mailbox;

/// <summary>Knows how to run an <see cref="Envelope"/> whose callback is not a plain <see cref="Action"/>. Instances are stateless singletons.</summary>
internal abstract class EnvelopeInvoker
{
    /// <summary>Runs the envelope's callback with its state.</summary>
    public abstract void Invoke(in Envelope envelope);

    /// <summary>Names the envelope's callback for reports.</summary>
    public virtual string Describe(in Envelope envelope) =>
        envelope.Callback is Delegate d ? CallbackNames.Of(d) : envelope.Callback.GetType().Name;
}

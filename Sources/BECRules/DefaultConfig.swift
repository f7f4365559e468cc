/// The embedded default configuration: what `bec-milter run` uses without `--config`.
/// No organization is configured, so only generic detectors have anything to protect;
/// a site config (see deploy/) names the organization, people and vendors.
public enum DefaultConfig {
    public static let yaml = """
    milter:
      socket: unix:/tmp/bec-milter/bec-milter.sock
      on_internal_error: tempfail
    state_dir: /tmp/bec-milter/state
    internal_mail: learn
    """
}

import BECFuzzSupport

/// libFuzzer entry: a script of milter callbacks (connect, MAIL, RCPT, headers, body, EOM, abort, close) in any order.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCallbacks(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    FuzzSupport.callbacks(UnsafeBufferPointer(start: data, count: size))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

/// SwiftPM links executables with `main` aliased to `<module>_main`; hand control to libFuzzer's driver.
@_cdecl("FuzzCallbacks_main")
public func FuzzCallbacksMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var c = argc
    var v = argv
    return LLVMFuzzerRunDriver(&c, &v, fuzzCallbacks)
}

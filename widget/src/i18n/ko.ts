/**
 * Korean (`lang="ko"`): the control labels and the status line. Loaded on
 * demand by the labels controller, so English-only pages never download it.
 *
 * The status sentences are written per language rather than assembled from
 * labels: Korean puts the name first and attaches the honorific 님, which
 * word-by-word templates of the English sentences cannot express.
 */
import type { P2pCallLabels } from "../element/labels.ts";
import type { SignalingStatus } from "../api/events.ts";
import type { CallSummary, EndSummary } from "../call/status-text.ts";

export const labels: P2pCallLabels = {
  title: "영상 통화",
  you: "나:",
  serviceOffline: "통화 서비스: 오프라인",
  serviceConnecting: "통화 서비스: 연결 중",
  serviceOnline: "통화 서비스: 연결됨",
  serviceReconnecting: "통화 서비스: 다시 연결 중",
  nameLabel: "이름",
  join: "참여",
  remoteVideo: "상대방 영상",
  videoFrom: "{name}님의 영상",
  localVideo: "내 카메라 미리보기",
  callDuration: "통화 시간",
  noCall: "통화 없음",
  incomingCall: "수신 전화",
  incomingFrom: "{name}님의 전화",
  accept: "받기",
  acceptAudio: "카메라 없이 받기",
  decline: "거절",
  callControls: "통화 제어",
  mute: "음소거",
  cameraOff: "카메라 끄기",
  hangUp: "통화 종료",
  camera: "카메라",
  microphone: "마이크",
  roomHeading: "이 방에 있는 사람",
  emptyRoom: "아직 아무도 없습니다.",
  call: "전화",
  callUser: "{name}님에게 전화",
  shareScreen: "화면 공유",
  chat: "채팅",
  chatUnread: "채팅, 읽지 않은 메시지 {count}개",
  hearCall: "눌러서 통화 소리 듣기",
  precheck: "카메라와 네트워크 확인",
  debugReport: "디버그 보고서",
  chatLog: "메시지",
  chatInput: "메시지",
  chatSend: "보내기",
  chatEmpty: "아직 메시지가 없습니다.",
  chatMe: "나",
  quality: "통화 품질: {level}",
  qualityGood: "좋음",
  qualityFair: "보통",
  qualityPoor: "나쁨",
  qualityDetails: "통화 품질",
  roundTrip: "왕복 지연",
  bitrateIn: "수신",
  bitrateOut: "송신",
  packetLoss: "패킷 손실",
  resolution: "해상도",
  frameRate: "프레임 속도",
  pictureInPicture: "화면 속 화면",
  fullscreen: "전체 화면",
  precheckTitle: "카메라와 네트워크 확인",
  precheckPreview: "카메라 확인 미리보기",
  precheckLevel: "마이크 음량",
  precheckCamera: "카메라",
  precheckMicrophone: "마이크",
  precheckSignaling: "통화 서비스",
  precheckServers: "STUN/TURN 서버",
  precheckServer: "서버",
  precheckChecking: "확인하는 중…",
  precheckAgain: "다시 확인",
  precheckClose: "닫기",
  precheckOpening: "여는 중…",
  precheckConnecting: "연결하는 중…",
  precheckProbing: "확인하는 중…",
  precheckStopped: "중단됨",
  precheckStoppedEarly: "확인이 끝나기 전에 중단되었습니다.",
  precheckWorks: "작동함",
  precheckNoMeter: "작동함 (이 브라우저에서는 음량 표시 없음)",
  precheckSpeak: "말해 보세요…",
  precheckSound: "소리가 들립니다",
  precheckNoSound: "소리가 들리지 않습니다: 음소거되었거나 음량이 낮은지 확인하세요",
  precheckReachable: "연결됨",
  precheckNotReachable: "연결할 수 없음 ({status})",
  precheckNoneConfigured: "설정되지 않음",
  precheckTheCamera: "카메라",
  precheckTheMicrophone: "마이크",
  precheckTheSignaling: "통화 서비스",
  precheckNotReady: "준비되지 않았습니다: {problems}.",
  precheckReadyWarnings: "준비되었지만 주의할 점이 있습니다: {warnings}.",
  precheckReady:
    "통화할 준비가 되었습니다: 카메라, 마이크, 통화 서비스, 네트워크가 모두 작동합니다.",
  precheckNoServers: "STUN/TURN 서버가 설정되지 않아 같은 네트워크 안에서만 통화될 수 있습니다",
  precheckPublicAddress: "응답함 (공인 주소 확인)",
  precheckNoNat: "응답함 (NAT 없음: 이 기기의 주소가 그대로 보임)",
  precheckRelays: "응답하고 중계함",
  precheckRejected: "인증 정보를 거부함 ({code})",
  precheckTimedOut: "{seconds}초 안에 응답하지 않음",
  precheckNoAnswerWith: "응답하지 않음 ({code} {text})",
  precheckNoAnswer: "응답하지 않음",
  precheckNotUrl: "stun: 또는 turn: 주소가 아님",
  precheckUnusable: "사용할 수 없는 서버 항목",
  debugPanel: "디버그 보고서",
  debugReportLabel: "디버그 보고서 (통화 내용과 비밀번호는 없음)",
  debugCopy: "복사",
  debugClose: "닫기",
  debugCopied: "클립보드에 복사했습니다.",
  debugCopyByHand: "텍스트를 선택해 복사하세요 (Ctrl+C, Mac에서는 ⌘C).",
};

function describeEnd({ reason, by, direction, peer, endedFrom }: EndSummary): string {
  switch (reason) {
    case "hangup":
      if (endedFrom === "ringing" && by === "remote") {
        return `${peer}님의 부재중 전화입니다.`;
      }
      if (endedFrom === "calling" && by === "local") {
        return `${peer}님에게 건 전화를 취소했습니다.`;
      }
      return by === "local"
        ? `${peer}님과의 통화를 종료했습니다.`
        : `${peer}님이 전화를 끊었습니다.`;
    case "declined":
      return by === "local"
        ? `${peer}님의 전화를 거절했습니다.`
        : `${peer}님이 전화를 거절했습니다.`;
    case "busy":
      return `${peer}님은 다른 통화 중입니다.`;
    case "timeout":
      return direction === "outgoing"
        ? `${peer}님이 받지 않았습니다.`
        : `${peer}님의 부재중 전화입니다.`;
    case "unreachable":
      return `${peer}님에게 연결할 수 없습니다.`;
    case "failed":
      return by === "local"
        ? `${peer}님과의 통화가 실패했습니다: 연결이 끊겼습니다.`
        : `${peer}님 쪽에서 통화가 실패했습니다.`;
    case "media":
      return `${peer}님과 통화를 시작할 수 없습니다: 카메라나 마이크를 사용할 수 없습니다.`;
    default: {
      const unhandled: never = reason;
      return String(unhandled);
    }
  }
}

/** The status line in Korean without a call; the same cases as lobby-text.ts. */
export function describeLobby(status: SignalingStatus, name: string | null): string {
  switch (status) {
    case "offline":
      return "오프라인입니다.";
    case "connecting":
      return "통화 서비스에 연결하는 중…";
    case "reconnecting":
      return "통화 서비스에 연결할 수 없습니다. 다시 연결하는 중…";
    case "online":
      return name ? "준비되었습니다. 통화할 사람을 선택하세요." : "참여하려면 이름을 입력하세요.";
    default: {
      const unhandled: never = status;
      return String(unhandled);
    }
  }
}

/** The status line in Korean during and after a call; the same cases as status-text.ts. */
export function describeCall(call: CallSummary): string {
  const peer = call.peer ?? "";
  switch (call.state) {
    case "calling":
      return `${peer}님에게 전화하는 중…`;
    case "ringing":
      return `${peer}님이 전화를 걸고 있습니다.`;
    case "connecting":
      return `${peer}님과 연결하는 중…`;
    case "connected":
      return `${peer}님과 통화 중입니다.`;
    case "reconnecting":
      return `${peer}님과의 연결이 끊겼습니다. 다시 연결하는 중…`;
    case "ended":
    case "failed":
      return call.endReason && call.endedBy
        ? describeEnd({
          reason: call.endReason,
          by: call.endedBy,
          direction: call.direction,
          peer,
          endedFrom: call.endedFrom,
        })
        : "통화가 종료되었습니다.";
    default: {
      const unhandled: never = call.state;
      return String(unhandled);
    }
  }
}
